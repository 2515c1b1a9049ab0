// Campaigns: list, drafts, the audience preview, live statistics, funnel and variant comparison,
// and the operations.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { hasAudienceSource } from '../lib/audienceSets';
import { hasLaunched } from '../lib/campaignPhase';
import { PICKER_PAGE_SIZE } from './categories';
import { api, call, fetchBlob } from './client';
import type { AudienceRequest, CampaignInput, CampaignStatus, FunnelStage, JourneyState } from './types';

/** Which contacts of a campaign to list: a funnel stage or a journey state (none: all). */
export interface CampaignContactsFilter {
  stage?: FunnelStage;
  state?: JourneyState;
}

/** Refresh periods while a campaign runs: its statistics, and the dashboard's progress list. */
export const RUNNING_STATS_REFRESH_MS = 2_500;
export const RUNNING_LIST_REFRESH_MS = 3_000;
/** Refresh period of a scheduled campaign's page, which changes only at its launch time. */
export const SCHEDULED_REFRESH_MS = 5_000;

export const campaignKeys = {
  all: ['campaigns'] as const,
  list: (page: number, size: number, status: CampaignStatus | null) => ['campaigns', 'list', { page, size, status }] as const,
  detail: (id: number) => ['campaigns', 'detail', id] as const,
  stats: (id: number) => ['campaigns', 'stats', id] as const,
  funnel: (id: number) => ['campaigns', 'funnel', id] as const,
  variants: (id: number) => ['campaigns', 'variants', id] as const,
  contactsOf: (id: number) => ['campaigns', 'contacts', id] as const,
  contacts: (id: number, filter: CampaignContactsFilter, page: number, size: number) =>
    ['campaigns', 'contacts', id, { stage: filter.stage ?? null, state: filter.state ?? null, page, size }] as const,
  audience: (request: AudienceRequest) => ['campaigns', 'audience', request] as const,
  sources: ['campaigns', 'sources'] as const,
};

export function useCampaigns(page: number, size: number, status: CampaignStatus | null, refetchInterval?: number) {
  return useQuery({
    queryKey: campaignKeys.list(page, size, status),
    queryFn: () => call(api.GET('/api/v1/campaigns', { params: { query: { page, size, status: status ?? undefined } } })),
    placeholderData: keepPreviousData,
    refetchInterval,
  });
}

/** One campaign; `null` (a draft not yet saved) fetches nothing. */
export function useCampaign(id: number | null) {
  return useQuery({
    queryKey: campaignKeys.detail(id ?? 0),
    queryFn: () => call(api.GET('/api/v1/campaigns/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
    // A scheduled campaign launches (or fails) by itself: the page follows it.
    refetchInterval: (query) => (query.state.data?.status === 'scheduled' ? SCHEDULED_REFRESH_MS : false),
  });
}

/** Statistics, refreshed every 2.5 s while the campaign runs and not otherwise. */
export function useCampaignStats(id: number, enabled = true, refreshWhileRunning = RUNNING_STATS_REFRESH_MS) {
  return useQuery({
    queryKey: campaignKeys.stats(id),
    queryFn: () => call(api.GET('/api/v1/campaigns/{id}/stats', { params: { path: { id } } })),
    enabled,
    refetchInterval: (query) => (query.state.data?.status === 'running' ? refreshWhileRunning : false),
  });
}

/** The funnel's exact counts, refreshed like the statistics while the campaign runs. */
export function useCampaignFunnel(id: number, enabled: boolean, running: boolean) {
  return useQuery({
    queryKey: campaignKeys.funnel(id),
    queryFn: () => call(api.GET('/api/v1/campaigns/{id}/funnel', { params: { path: { id } } })),
    enabled,
    refetchInterval: running ? RUNNING_STATS_REFRESH_MS : false,
  });
}

/** The comparison of a campaign's variants of Message 1 (R25), refreshed like the funnel. */
export function useCampaignVariants(id: number, enabled: boolean, running: boolean) {
  return useQuery({
    queryKey: campaignKeys.variants(id),
    queryFn: () => call(api.GET('/api/v1/campaigns/{id}/variants', { params: { path: { id } } })),
    enabled,
    refetchInterval: running ? RUNNING_STATS_REFRESH_MS : false,
  });
}

/**
 * Fetches a campaign's funnel, variant comparison and contact lists again whenever the status its statistics report
 * changes (the campaign completing, say): polling stops with the run, and its last answer may be
 * up to one period older than the status shown beside it.
 */
export function useRefreshOnStatusChange(id: number, status: string | undefined) {
  const client = useQueryClient();
  const previous = useRef(status);
  useEffect(() => {
    if (previous.current !== undefined && previous.current !== status) {
      void client.invalidateQueries({ queryKey: campaignKeys.funnel(id) });
      void client.invalidateQueries({ queryKey: campaignKeys.variants(id) });
      void client.invalidateQueries({ queryKey: campaignKeys.contactsOf(id) });
    }
    previous.current = status;
  }, [client, id, status]);
}

export function fetchCampaignContacts(id: number, filter: CampaignContactsFilter, page: number, size: number) {
  return call(
    api.GET('/api/v1/campaigns/{id}/contacts', {
      params: { path: { id }, query: { page, size, stage: filter.stage, state: filter.state } },
    }),
  );
}

export function useCampaignContacts(id: number, filter: CampaignContactsFilter, page: number, size: number, running: boolean) {
  return useQuery({
    queryKey: campaignKeys.contacts(id, filter, page, size),
    queryFn: () => fetchCampaignContacts(id, filter, page, size),
    placeholderData: keepPreviousData,
    refetchInterval: running ? RUNNING_STATS_REFRESH_MS : false,
  });
}

/**
 * Audience size (categories and outcome sets, under the draft's frequency cap), what each source
 * holds on its own, today's remaining quota and a sample contact for the preview. A read sent as
 * POST (the audience is a body), so it is not retried like other reads are; nothing is asked
 * while nothing adds contacts.
 */
export function useAudience(request: AudienceRequest) {
  return useQuery({
    queryKey: campaignKeys.audience(request),
    queryFn: () => call(api.POST('/api/v1/campaigns/audience', { body: request })),
    enabled: hasAudienceSource(request.category_ids, request.audience_sets ?? []),
    retry: false,
    placeholderData: keepPreviousData,
  });
}

/** The latest launched campaigns (newest first), whose outcomes an audience may use (R23). */
export function useAudienceSourceCampaigns() {
  return useQuery({
    queryKey: campaignKeys.sources,
    queryFn: () => call(api.GET('/api/v1/campaigns', { params: { query: { page: 1, size: PICKER_PAGE_SIZE } } })),
    select: (page) => page.items.filter(hasLaunched),
  });
}

/** The per-recipient report of a campaign, one CSV line per contact. */
export function fetchCampaignReport(id: number): Promise<Blob> {
  return fetchBlob(`/api/v1/campaigns/${id}/report.csv`);
}

export function useSaveCampaign(id: number | null) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CampaignInput) =>
      id === null
        ? call(api.POST('/api/v1/campaigns', { body: input }))
        : call(api.PUT('/api/v1/campaigns/{id}', { params: { path: { id } }, body: input })),
    onSuccess: () => client.invalidateQueries({ queryKey: campaignKeys.all }),
  });
}

/** One campaign operation; every outcome refreshes what the console shows of campaigns. */
function useOperation<T, A = number>(operation: (argument: A) => Promise<T>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: operation,
    onSettled: () => client.invalidateQueries({ queryKey: campaignKeys.all }),
  });
}

export const useLaunchCampaign = () =>
  useOperation((id) => call(api.POST('/api/v1/campaigns/{id}/send', { params: { path: { id } } })));
export const useScheduleCampaign = () =>
  useOperation(({ id, at }: { id: number; at: string }) =>
    call(api.POST('/api/v1/campaigns/{id}/schedule', { params: { path: { id } }, body: { at } })),
  );
export const useUnscheduleCampaign = () =>
  useOperation((id) => call(api.DELETE('/api/v1/campaigns/{id}/schedule', { params: { path: { id } } })));
export const useStopCampaign = () =>
  useOperation((id) => call(api.POST('/api/v1/campaigns/{id}/stop', { params: { path: { id } } })));
export const useRetryCampaign = () =>
  useOperation((id) => call(api.POST('/api/v1/campaigns/{id}/retry', { params: { path: { id } } })));
export const useRelaunchCampaign = () =>
  useOperation((id) => call(api.POST('/api/v1/campaigns/{id}/relaunch', { params: { path: { id } } })));
export const useResumeCampaign = () =>
  useOperation((id) => call(api.POST('/api/v1/campaigns/{id}/resume', { params: { path: { id } } })));
export const useDeleteCampaign = () =>
  useOperation((id) => call(api.DELETE('/api/v1/campaigns/{id}', { params: { path: { id } } })));

export function useConsoleSettings() {
  return useQuery({
    queryKey: ['console', 'settings'],
    queryFn: () => call(api.GET('/api/v1/console/settings')),
    staleTime: Infinity,
  });
}
