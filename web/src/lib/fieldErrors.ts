// Validation messages name the field they are about ("message_1: unknown placeholder {x}…",
// "name must be 1 to 200 characters", "unknown category ids: [4]"); this finds which field, so
// the message can be shown under it. A refused frequency cap ("settings: frequency_cap: days must
// be…") is shown under the cap's own control, not with the other settings.

export const CAMPAIGN_FIELDS = [
  'name',
  'message_1',
  'message_2',
  'message_1_template',
  'message_2_template',
  'message_1_variants',
  'category_ids',
  'audience_sets',
  'frequency_cap',
  'settings',
] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];

export function campaignFieldOfError(message: string): CampaignField | null {
  if (/^\s*settings:\s*frequency_cap\b/.test(message)) return 'frequency_cap';
  const leading = /^\s*([a-z_0-9]+)\b/.exec(message)?.[1];
  const named = CAMPAIGN_FIELDS.find((field) => field === leading);
  if (named) return named;
  if (/categor/i.test(message)) return 'category_ids';
  return null;
}
