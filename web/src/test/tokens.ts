/** An unsigned JWT with the claims the UI reads (the server, not the UI, checks signatures). */
export function fakeToken(claims: { sub?: string; role?: string; email?: string; exp?: number } = {}) {
  const encode = (value: object) =>
    btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const payload = {
    sub: '7',
    email: 'ada@example.com',
    role: 'user',
    exp: Math.floor(Date.now() / 1000) + 1800,
    ...claims,
  };
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}.signature`;
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}
