import { describe, expect, it } from 'vitest';
import { audienceRequest, audienceSets, changeSetDraft, hasAudienceSource, newSetDraft, setDrafts } from './audienceSets';
import { frequencyCapDraft } from './frequencyCap';

describe('audience sets', () => {
  it('drops a failure kind the outcome cannot have, and excludes opted-out contacts', () => {
    const failed = changeSetDraft(newSetDraft(4), { outcome: 'failed', failureKind: 'frequency_capped' });
    expect(failed.failureKind).toBe('frequency_capped');
    expect(changeSetDraft(failed, { outcome: 'no_interaction' }).failureKind).toBeNull();
    const optedOut = changeSetDraft(newSetDraft(4), { outcome: 'opted_out' });
    expect(optedOut.exclude).toBe(true);
    expect(changeSetDraft(optedOut, { exclude: false }).exclude).toBe(true);
    expect(changeSetDraft(optedOut, { outcome: 'limited', exclude: false }).exclude).toBe(false);
  });

  it('sends the sets with a campaign, a failure kind only when one is chosen', () => {
    const drafts = [
      changeSetDraft(newSetDraft(7), { outcome: 'failed', failureKind: 'undeliverable' }),
      newSetDraft(null),
      changeSetDraft(newSetDraft(7), { exclude: true }),
      changeSetDraft(newSetDraft(8), { outcome: 'failed' }),
    ];
    expect(audienceSets(drafts)).toEqual([
      { campaign_id: 7, outcome: 'failed', exclude: false, failure_kind: 'undeliverable' },
      { campaign_id: 7, outcome: 'replied_in_time', exclude: true },
      { campaign_id: 8, outcome: 'failed', exclude: false },
    ]);
  });

  it('reads saved sets back', () => {
    const saved = [
      { campaign_id: 3, outcome: 'failed' as const, failure_kind: 'limited' as const, exclude: false },
      { campaign_id: 5, outcome: 'opted_out' as const, failure_kind: null, exclude: true },
    ];
    expect(audienceSets(setDrafts(saved))).toEqual([saved[0], { campaign_id: 5, outcome: 'opted_out', exclude: true }]);
    expect(setDrafts(undefined)).toEqual([]);
  });

  it('needs a category or an included set to have an audience', () => {
    const excluded = { campaign_id: 1, outcome: 'replied_in_time' as const, exclude: true };
    expect(hasAudienceSource([], [])).toBe(false);
    expect(hasAudienceSource([], [excluded])).toBe(false);
    expect(hasAudienceSource([], [{ ...excluded, exclude: false }])).toBe(true);
    expect(hasAudienceSource([2], [excluded])).toBe(true);
  });

  it('asks the preview for the categories in order, the sets and the cap only when the draft sets one', () => {
    const sets = [{ campaign_id: 1, outcome: 'replied_in_time' as const, exclude: true }];
    expect(audienceRequest([3, 1], sets, frequencyCapDraft({}))).toEqual({ category_ids: [1, 3], audience_sets: sets });
    expect(audienceRequest([], [], frequencyCapDraft({ frequency_cap: null }))).toEqual({ category_ids: [], audience_sets: [], frequency_cap: null });
    const custom = { ...frequencyCapDraft({}), choice: 'custom' as const, maxMessage1: '1', days: '30' };
    expect(audienceRequest([1], [], custom).frequency_cap).toEqual({ max_message_1: 1, days: 30 });
  });
});
