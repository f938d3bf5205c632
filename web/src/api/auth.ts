import { request } from './client';
import type { TokenResponse } from './types';

export function login(email: string, password: string) {
  return request<TokenResponse>('/users/login', { method: 'POST', body: { email, password } });
}

export function register(name: string, email: string, password: string) {
  return request<TokenResponse>('/users/register', {
    method: 'POST',
    body: { name, email, password },
  });
}
