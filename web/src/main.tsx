// The entry: starts the session refresh, then loads the app. The refresh is a round trip to the
// server that the app cannot do without, so it is sent before the app's code has even arrived
// (the app is a separate chunk): the two overlap instead of following each other.

import { refreshSession } from './auth/session';

void refreshSession();
void import('./mount').then(({ mount }) => mount());
