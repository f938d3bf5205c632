// The signed-in session: the access token, kept in sessionStorage so it lasts as long as
// the browser tab, and the claims the UI needs (role, email). The server checks every
// request itself; the claims only decide what the UI offers.

export type Role = 'user' | 'admin';

export interface Session {
  token: string;
  userId: number;
  email: string;
  role: Role;
  expiresAt: number;
}

const STORAGE_KEY = 'spin-shop.token';
type Listener = () => void;

const listeners = new Set<Listener>();
let current: Session | null = null;
let loaded = false;
let endedReason: 'expired' | null = null;

function decodeClaims(token: string): Session | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as Record<string, unknown>;
    const userId = Number(claims.sub);
    const exp = Number(claims.exp);
    if (!Number.isFinite(userId) || !Number.isFinite(exp)) return null;
    return {
      token,
      userId,
      email: typeof claims.email === 'string' ? claims.email : '',
      role: claims.role === 'admin' ? 'admin' : 'user',
      expiresAt: exp * 1000,
    };
  } catch {
    return null;
  }
}

function emit() {
  for (const listener of listeners) listener();
}

export function getSession(): Session | null {
  if (!loaded) {
    loaded = true;
    const stored = sessionStorage.getItem(STORAGE_KEY);
    current = stored ? decodeClaims(stored) : null;
  }
  if (current && current.expiresAt <= Date.now()) {
    endSession('expired');
  }
  return current;
}

/** Starts a session from a login or registration token; false if the token is unusable. */
export function startSession(token: string): boolean {
  const session = decodeClaims(token);
  if (!session) return false;
  sessionStorage.setItem(STORAGE_KEY, token);
  current = session;
  loaded = true;
  endedReason = null;
  emit();
  return true;
}

/** Ends the session: on sign-out, or with `expired` when the server refused the token. */
export function endSession(reason: 'expired' | null = null) {
  sessionStorage.removeItem(STORAGE_KEY);
  const had = current !== null;
  current = null;
  loaded = true;
  endedReason = reason;
  if (had) emit();
}

/** Why the last session ended, for the login page to explain. */
export function lastEndReason() {
  return endedReason;
}

export function subscribe(listener: Listener) {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
