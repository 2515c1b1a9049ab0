// Where a campaign stands in its life, from its status: not launched yet (a draft, or scheduled),
// running, or finished. Only a campaign that did launch has outcomes an audience can use (R23).

import type { Campaign, CampaignStatus } from '../api/types';

export type CampaignPhase = 'notLaunched' | 'running' | 'finished';

/** Each status's phase; `notLaunched`: the campaign has not run, no statistics or funnel yet. */
export const CAMPAIGN_PHASE: Record<CampaignStatus, CampaignPhase> = {
  draft: 'notLaunched',
  scheduled: 'notLaunched',
  running: 'running',
  completed: 'finished',
  failed: 'finished',
  cancelled: 'finished',
};

/**
 * Whether the campaign launched: it has recipients, a report, and outcomes an audience may take
 * (a scheduled launch the server refused failed without ever starting).
 */
export function hasLaunched(campaign: Pick<Campaign, 'status' | 'started_at'>): boolean {
  return CAMPAIGN_PHASE[campaign.status] !== 'notLaunched' && campaign.started_at != null;
}
