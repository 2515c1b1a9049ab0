// `GET /health`, read by the console for one fact: whether the WhatsApp provider is down (it
// refused our credentials), which stops every campaign until an operator acts.

import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { HealthReport } from './types';

const HEALTH_REFRESH_MS = 30_000;

/**
 * The health report. A degraded stack answers 503 with the same report, so the body is taken
 * whatever the status.
 */
export function useHealth() {
  return useQuery({
    queryKey: ['health'],
    queryFn: async (): Promise<HealthReport | null> => {
      const { data, error } = await api.GET('/api/v1/health');
      return data ?? error ?? null;
    },
    refetchInterval: HEALTH_REFRESH_MS,
  });
}
