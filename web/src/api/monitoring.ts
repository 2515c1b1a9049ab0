import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { DailyMonitoring, FailureKind } from './types';
import { api, call } from './client';
import { takeEarly } from './early';

const DAILY_REFRESH_MS = 10_000;
export const HISTORY_DAYS = 7;

export function useDailyMonitoring() {
  return useQuery({
    queryKey: ['monitoring', 'daily'],
    queryFn: () => takeEarly<DailyMonitoring>('dailyMonitoring') ?? call(api.GET('/api/v1/monitoring/daily')),
    refetchInterval: DAILY_REFRESH_MS,
  });
}

export function useHistory() {
  return useQuery({
    queryKey: ['monitoring', 'history', HISTORY_DAYS],
    queryFn: () => call(api.GET('/api/v1/monitoring/history', { params: { query: { days: HISTORY_DAYS } } })),
  });
}

/** Failed messages, of one kind or (`kind` null) all. */
export function useRecentErrors(page: number, size: number, kind: FailureKind | null) {
  return useQuery({
    queryKey: ['monitoring', 'errors', { page, size, kind }],
    queryFn: () =>
      call(api.GET('/api/v1/monitoring/errors', { params: { query: { page, size, ...(kind ? { kind } : {}) } } })),
    placeholderData: keepPreviousData,
  });
}

/** How many failed messages there are of each kind. */
export function useErrorsByKind() {
  return useQuery({
    queryKey: ['monitoring', 'errors', 'by-kind'],
    queryFn: () => call(api.GET('/api/v1/monitoring/errors/by-kind')),
  });
}
