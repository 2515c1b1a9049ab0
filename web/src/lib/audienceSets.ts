// A draft's audience (R23) as the editor holds it and as the API takes it: its categories, and
// outcome sets of earlier campaigns, each adding its contacts or taking them out. A set whose
// campaign is not chosen yet is left out of requests; the outcome rules (a failure kind only for
// `failed`, `opted_out` only excluded) are applied as the operator edits a set.

import type { AudienceOutcome, AudienceRequest, AudienceSet, FailureKind } from '../api/types';
import { narrowedByFailureKind, onlyExcluded } from './audienceOutcomes';
import { frequencyCapSetting, type FrequencyCapDraft } from './frequencyCap';

/** The most outcome sets one audience may combine (the API refuses more). */
export const MAX_AUDIENCE_SETS = 20;

export interface AudienceSetDraft {
  campaignId: number | null;
  outcome: AudienceOutcome;
  /** Only with `failed`: narrows the set to one failure kind. */
  failureKind: FailureKind | null;
  exclude: boolean;
}

/** `draft` with `change` applied, kept within the outcome rules. */
export function changeSetDraft(draft: AudienceSetDraft, change: Partial<AudienceSetDraft>): AudienceSetDraft {
  const next = { ...draft, ...change };
  return {
    ...next,
    failureKind: narrowedByFailureKind(next.outcome) ? next.failureKind : null,
    exclude: onlyExcluded(next.outcome) || next.exclude,
  };
}

/** A new set: of `campaignId` (the latest launched campaign, say), its contacts who replied. */
export function newSetDraft(campaignId: number | null): AudienceSetDraft {
  return { campaignId, outcome: 'replied_in_time', failureKind: null, exclude: false };
}

export function setDrafts(saved: readonly AudienceSet[] | undefined): AudienceSetDraft[] {
  return (saved ?? []).map((set) =>
    changeSetDraft(newSetDraft(set.campaign_id), { outcome: set.outcome, failureKind: set.failure_kind ?? null, exclude: set.exclude }),
  );
}

/** The sets as the API takes them, those without a campaign left out. */
export function audienceSets(drafts: readonly AudienceSetDraft[]): AudienceSet[] {
  return drafts.flatMap(({ campaignId, ...draft }) => {
    if (campaignId === null) return [];
    const { outcome, failureKind, exclude } = changeSetDraft({ campaignId, ...draft }, {});
    return [{ campaign_id: campaignId, outcome, exclude, ...(failureKind !== null && { failure_kind: failureKind }) }];
  });
}

/** Whether anything adds contacts: a category, or a set that is not excluded. */
export function hasAudienceSource(categoryIds: readonly number[], sets: readonly AudienceSet[]): boolean {
  return categoryIds.length > 0 || sets.some((set) => !set.exclude);
}

/** The audience preview's request: categories in id order, the sets, and the draft's cap if it sets one. */
export function audienceRequest(categoryIds: readonly number[], sets: readonly AudienceSet[], cap: FrequencyCapDraft): AudienceRequest {
  const frequencyCap = frequencyCapSetting(cap);
  return {
    category_ids: [...categoryIds].sort((a, b) => a - b),
    audience_sets: [...sets],
    ...(frequencyCap !== undefined && { frequency_cap: frequencyCap }),
  };
}
