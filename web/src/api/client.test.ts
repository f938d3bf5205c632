import { afterEach, describe, expect, it, vi } from 'vitest';
import { endSession, getSession, startSession } from '@/lib/session';
import { fakeToken, jsonResponse } from '@/test/tokens';
import { buildUrl, request, requestPage } from './client';
import { ApiError } from './errors';

afterEach(() => endSession());

describe('api client', () => {
  it('builds query strings without empty values', () => {
    expect(buildUrl('/orders/', { status: 'pending', q: '', skip: 0, to: undefined })).toBe(
      '/orders/?status=pending&skip=0',
    );
  });

  it('sends the bearer token and JSON bodies', async () => {
    const token = fakeToken();
    startSession(token);
    const fetchMock = vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ ok: true }));
    await request('/inventory/', { method: 'POST', body: { sku: 'A', qty: 1 } });
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    const headers = new Headers(init?.headers);
    expect(url).toBe('/inventory/');
    expect(headers.get('Authorization')).toBe(`Bearer ${token}`);
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(init?.body).toBe('{"sku":"A","qty":1}');
  });

  it('reads X-Total-Count for lists', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse([{ id: 1 }], 200, { 'X-Total-Count': '57' }));
    await expect(requestPage('/users/', {})).resolves.toEqual({ items: [{ id: 1 }], total: 57 });
  });

  it('ends the session on a 401 and throws the API message', async () => {
    startSession(fakeToken());
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(jsonResponse({ detail: 'Token expired' }, 401));
    const error = await request('/users/me').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('Token expired');
    expect(getSession()).toBeNull();
  });

  it('reports a network failure as status 0', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'));
    await expect(request('/users/me')).rejects.toMatchObject({ status: 0 });
  });
});
