// The one way the UI talks to the API: same origin, bearer token attached, FastAPI-style
// errors turned into ApiError, and a 401 on an authenticated call ends the session (the
// router then sends the user to the login page).

import { saveBlob } from '@/lib/download';
import { endSession, getSession } from '@/lib/session';
import { ApiError, toApiError } from './errors';

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Query;
  /** JSON-encoded unless it is FormData or a string. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  if (response.headers.get('content-type')?.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  }
  return text;
}

/** Sends a request and returns the raw response once it is known to be a success. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const session = getSession();
  const headers = new Headers(options.headers);
  headers.set('Accept', 'application/json');
  if (session) headers.set('Authorization', `Bearer ${session.token}`);
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || typeof options.body === 'string') {
    body = options.body;
  } else if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'Cannot reach the server. Check your connection.');
  }
  if (response.ok) return response;
  const error = toApiError(response.status, await readBody(response));
  if (response.status === 401 && session) endSession('expired');
  throw error;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  return (await readBody(response)) as T;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** A list endpoint: the JSON array plus `X-Total-Count`. */
export async function requestPage<T>(path: string, query: Query, signal?: AbortSignal): Promise<Page<T>> {
  const response = await send(path, { query, signal });
  const items = ((await readBody(response)) ?? []) as T[];
  const total = Number(response.headers.get('X-Total-Count') ?? items.length);
  return { items, total: Number.isFinite(total) ? total : items.length };
}

/** Fetches a CSV export (it needs the token, so a plain link cannot) and saves it. */
export async function downloadFile(path: string, filename: string): Promise<void> {
  const response = await send(path, { headers: { Accept: 'text/csv' } });
  saveBlob(await response.blob(), filename);
}

export interface ImportResult {
  created_count: number;
  updated_count: number;
  total: number;
  [extra: string]: unknown;
}

export function uploadCsv(path: string, file: File): Promise<ImportResult> {
  const form = new FormData();
  form.append('file', file);
  return request<ImportResult>(path, { method: 'POST', body: form });
}
