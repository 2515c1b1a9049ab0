// Retry policy: reads retry only when repeating could help (network, 5xx), never on a 4xx;
// writes are never retried (a POST that timed out may still have happened).

import { QueryClient } from '@tanstack/react-query';
import { isTransient } from './errors';

const MAX_READ_RETRIES = 2;

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => failures < MAX_READ_RETRIES && isTransient(error),
        staleTime: 5_000,
      },
      mutations: { retry: 0 },
    },
  });
}
