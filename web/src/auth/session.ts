// The signed-in session. The access token lives in this module's memory only (never storage,
// never a URL); the refresh token is an HttpOnly cookie the browser sends to
// /api/v1/auth/session/refresh by itself. Components read the state with useSession()
// (useSession.ts): this module stays free of the UI library, so the entry that refreshes the
// session on load is small and runs before the app's code is parsed.

import { ApiError, apiErrorFromBody, NETWORK_ERROR_STATUS } from '../api/errors';
import type { Session, User } from '../api/types';
import { REFRESH_RETRY_MS, refreshDelayMs } from './refreshSchedule';

const SESSION_URL = '/api/v1/auth/session';
const REFRESH_URL = '/api/v1/auth/session/refresh';

export type SessionState =
  | { status: 'starting' }
  | { status: 'signedOut'; expired: boolean; unreachable: boolean }
  | { status: 'signedIn'; user: User };

let state: SessionState = { status: 'starting' };
let accessToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshInFlight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();
const signOutListeners = new Set<() => void>();

function setState(next: SessionState) {
  state = next;
  listeners.forEach((listener) => listener());
}

/** Calls `listener` on every change of the session state; returns the unsubscribe. */
export function subscribeToSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function currentSession(): SessionState {
  return state;
}

/** Called whenever the session ends, so cached data of the previous user is dropped. */
export function onSignOut(listener: () => void): () => void {
  signOutListeners.add(listener);
  return () => signOutListeners.delete(listener);
}

function scheduleRefresh(delayMs: number) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refreshSession(), delayMs);
}

function start(session: Session) {
  accessToken = session.access_token;
  scheduleRefresh(refreshDelayMs(session.expires_in));
  setState({ status: 'signedIn', user: session.user });
}

function end(expired: boolean, unreachable = false) {
  const wasSignedIn = state.status === 'signedIn';
  accessToken = null;
  clearTimeout(refreshTimer);
  setState({ status: 'signedOut', expired: expired && wasSignedIn, unreachable });
  signOutListeners.forEach((listener) => listener());
}

async function post(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(NETWORK_ERROR_STATUS, 'network', 'the server could not be reached');
  }
}

async function readSession(response: Response): Promise<Session> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw apiErrorFromBody(response.status, body);
  return body as Session;
}

/** Signs in; throws the API's error (401 wrong credentials) for the form to show. */
export async function signIn(email: string, password: string): Promise<void> {
  const response = await post(SESSION_URL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  start(await readSession(response));
}

/**
 * Renews the access token from the refresh cookie; one request at a time however many callers
 * ask. True when a new token was issued. A refused refresh signs out; a network failure keeps
 * the session and tries again later.
 */
export function refreshSession(): Promise<boolean> {
  refreshInFlight ??= (async () => {
    try {
      const response = await post(REFRESH_URL, { method: 'POST' });
      start(await readSession(response));
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === NETWORK_ERROR_STATUS) {
        if (state.status === 'starting') end(false, true);
        else scheduleRefresh(REFRESH_RETRY_MS);
      } else {
        end(true);
      }
      return false;
    } finally {
      refreshInFlight = null;
    }
  })();
  return refreshInFlight;
}

export async function signOut(): Promise<void> {
  const token = accessToken;
  end(false);
  await post(SESSION_URL, {
    method: 'DELETE',
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  }).catch(() => undefined);
}

function withToken(request: Request): Request {
  if (accessToken) request.headers.set('Authorization', `Bearer ${accessToken}`);
  return request;
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * `fetch` with the access token. On a 401 the session is refreshed once; a read is then sent
 * again, a write never is (it may have had an effect): its 401 reaches the caller.
 */
export async function authorizedFetch(request: Request): Promise<Response> {
  const spare = isRead(request.method) ? request.clone() : null;
  const response = await fetch(withToken(request));
  if (response.status !== 401) return response;
  const renewed = await refreshSession();
  if (!renewed || !spare) return response;
  return fetch(withToken(spare));
}

/** The current token, for the one request fetch cannot make: an upload with progress events. */
export function currentAccessToken(): string | null {
  return accessToken;
}
