import { describe, expect, it, vi } from 'vitest';
import { fakeToken } from '@/test/tokens';
import { endSession, getSession, lastEndReason, startSession, subscribe } from './session';

describe('session', () => {
  it('starts from a token and exposes its claims', () => {
    const listener = vi.fn();
    const unsubscribe = subscribe(listener);
    expect(startSession(fakeToken({ sub: '42', role: 'admin', email: 'root@example.com' }))).toBe(true);
    expect(getSession()).toMatchObject({ userId: 42, role: 'admin', email: 'root@example.com' });
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    endSession();
  });

  it('rejects tokens it cannot read', () => {
    expect(startSession('not-a-jwt')).toBe(false);
    expect(getSession()).toBeNull();
  });

  it('ends an expired session and says why', () => {
    startSession(fakeToken({ exp: Math.floor(Date.now() / 1000) - 5 }));
    expect(getSession()).toBeNull();
    expect(lastEndReason()).toBe('expired');
  });
});
