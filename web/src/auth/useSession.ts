import { useSyncExternalStore } from 'react';
import { currentSession, subscribeToSession, type SessionState } from './session';

/** The session state, re-rendering the component when it changes. */
export function useSession(): SessionState {
  return useSyncExternalStore(subscribeToSession, currentSession);
}
