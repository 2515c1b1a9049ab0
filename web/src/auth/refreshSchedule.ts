// When to renew the access token: about a minute before it expires, so a request never leaves
// with a token about to lapse; short-lived tokens (tests) renew at three quarters of their life.

const LEAD_SECONDS = 60;
const MIN_DELAY_MS = 1_000;

/** Milliseconds to wait before refreshing a token that expires in `expiresInSeconds`. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const lead = Math.min(LEAD_SECONDS, expiresInSeconds / 4);
  return Math.max(MIN_DELAY_MS, Math.round((expiresInSeconds - lead) * 1000));
}

/** After a refresh failed for lack of network (not a 401), try again this much later. */
export const REFRESH_RETRY_MS = 15_000;
