import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, call } from './client';
import type { MessageStatus, MessageType } from './types';

export interface MessageFilters {
  page: number;
  size: number;
  campaignId: number | null;
  messageType: MessageType | null;
  status: MessageStatus | null;
  q: string;
}

export function useMessages(filters: MessageFilters) {
  return useQuery({
    queryKey: ['messages', filters],
    queryFn: () =>
      call(
        api.GET('/api/v1/messages', {
          params: {
            query: {
              page: filters.page,
              size: filters.size,
              campaign_id: filters.campaignId ?? undefined,
              message_type: filters.messageType ?? undefined,
              status: filters.status ?? undefined,
              q: filters.q || undefined,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}
