import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, call } from './client';
import type { AuditAction, AuditTarget } from './types';

export interface AuditFilters {
  page: number;
  size: number;
  actor: string;
  action: AuditAction | null;
  targetType: AuditTarget | null;
  targetId: string;
  /** RFC 3339 instants, or null for no bound. */
  from: string | null;
  to: string | null;
}

/** A page of the audit log (super_admin only), newest first. */
export function useAuditLog(filters: AuditFilters) {
  return useQuery({
    queryKey: ['audit', filters],
    queryFn: () =>
      call(
        api.GET('/api/v1/audit', {
          params: {
            query: {
              page: filters.page,
              size: filters.size,
              actor: filters.actor || undefined,
              action: filters.action ?? undefined,
              target_type: filters.targetType ?? undefined,
              target_id: filters.targetId || undefined,
              from: filters.from ?? undefined,
              to: filters.to ?? undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}
