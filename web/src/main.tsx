// The entry: starts the session refresh, then loads the app. The refresh is a round trip to the
// server that the app cannot do without, so it is sent before the app's code has even arrived
// (the app is a separate chunk): the two overlap instead of following each other. On the
// dashboard, its daily figures are asked for as soon as the session is back, for the same reason.

import { api, call } from './api/client';
import { startEarly } from './api/early';
import { refreshSession } from './auth/session';

void refreshSession().then((signedIn) => {
  if (signedIn && window.location.pathname === '/') {
    startEarly('dailyMonitoring', () => call(api.GET('/api/v1/monitoring/daily')));
  }
});
void import('./mount').then(({ mount }) => mount());
