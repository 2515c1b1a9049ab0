// Requests the entry (main.tsx) sends before the app's code has loaded, for the screen the
// console opens on: the answer is on its way while the app is still being parsed. The first
// query of the same data takes that request instead of sending its own.

export type EarlyKey = 'dailyMonitoring';

const started = new Map<EarlyKey, Promise<unknown>>();

export function startEarly(key: EarlyKey, request: () => Promise<unknown>) {
  const answer = request();
  // Nobody may take it (the operator went elsewhere): its failure is not an unhandled one.
  answer.catch(() => undefined);
  started.set(key, answer);
}

/** The early request for `key`, once: later queries of it ask the server again. */
export function takeEarly<T>(key: EarlyKey): Promise<T> | undefined {
  const answer = started.get(key);
  started.delete(key);
  return answer as Promise<T> | undefined;
}
