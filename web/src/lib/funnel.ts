// The campaign funnel as the console draws it, from the exact counts of
// `GET /campaigns/{id}/funnel`, with what each bar lists when clicked
// (`GET /campaigns/{id}/contacts?stage=` or `?state=`).

import type { CampaignFunnel, FunnelStage, JourneyState } from '../api/types';

export type FunnelStepKey =
  | 'total'
  | 'message1Sent'
  | 'delivered'
  | 'read'
  | 'interacted'
  | 'message2Sent'
  | 'noInteraction'
  | 'late'
  | 'optedOut'
  | 'limited'
  | 'failed'
  | 'cancelled'
  | 'pending';

/**
 * The contacts behind a bar: every contact of the campaign, those who reached a stage, or
 * those whose journey is in one of `states` (more than one only for journeys not yet final,
 * which the API lists a state at a time).
 */
export type FunnelFilter =
  | { kind: 'all' }
  | { kind: 'stage'; stage: FunnelStage }
  | { kind: 'states'; states: readonly JourneyState[] };

export interface FunnelStep {
  key: FunnelStepKey;
  count: number;
  /** Share of the audience, 0 to 1. */
  share: number;
  filter: FunnelFilter;
  /** Main funnel or the outcomes beside it. */
  kind: 'funnel' | 'outcome';
}

/** Journeys not yet final, in the order a journey goes through them. */
export const PENDING_STATES: readonly JourneyState[] = ['queued', 'sending_message_1', 'awaiting_interaction', 'sending_message_2'];

const ALL: FunnelFilter = { kind: 'all' };
const stage = (value: FunnelStage): FunnelFilter => ({ kind: 'stage', stage: value });
const states = (...values: JourneyState[]): FunnelFilter => ({ kind: 'states', states: values });

/** The bars of a campaign's funnel, then its outcomes, in display order. */
export function buildFunnel(funnel: CampaignFunnel): FunnelStep[] {
  const total = Math.max(0, funnel.total);
  const step = (key: FunnelStepKey, count: number, filter: FunnelFilter, kind: FunnelStep['kind']): FunnelStep => {
    const safe = Math.max(0, count);
    return { key, count: safe, share: total === 0 ? 0 : Math.min(1, safe / total), filter, kind };
  };
  return [
    step('total', total, ALL, 'funnel'),
    step('message1Sent', funnel.message_1_sent, stage('message_1_sent'), 'funnel'),
    step('delivered', funnel.message_1_delivered, stage('message_1_delivered'), 'funnel'),
    step('read', funnel.message_1_read, stage('message_1_read'), 'funnel'),
    step('interacted', funnel.interacted_in_window, stage('interacted_in_window'), 'funnel'),
    step('message2Sent', funnel.message_2_sent, states('message_2_sent'), 'funnel'),
    step('noInteraction', funnel.no_interaction, states('no_interaction'), 'outcome'),
    step('late', funnel.late_interaction, states('late_interaction'), 'outcome'),
    step('optedOut', funnel.opted_out, states('opted_out'), 'outcome'),
    step('limited', funnel.limited, states('limited'), 'outcome'),
    step('failed', funnel.failed, states('failed'), 'outcome'),
    step('cancelled', funnel.cancelled, states('cancelled'), 'outcome'),
    step('pending', funnel.pending, states(...PENDING_STATES), 'outcome'),
  ];
}

/** The query of one page of a bar's contacts; `stateIndex` picks among several states. */
export function funnelQuery(filter: FunnelFilter, stateIndex = 0): { stage?: FunnelStage; state?: JourneyState } {
  if (filter.kind === 'stage') return { stage: filter.stage };
  if (filter.kind === 'states') {
    const state = filter.states[Math.max(0, Math.min(stateIndex, filter.states.length - 1))];
    return state ? { state } : {};
  }
  return {};
}

/** A file name for a bar's contacts saved as CSV. */
export function funnelFileName(campaignId: number, query: { stage?: FunnelStage; state?: JourneyState }): string {
  return `campaign-${campaignId}-${query.stage ?? query.state ?? 'all'}.csv`;
}
