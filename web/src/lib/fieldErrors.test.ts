import { describe, expect, it } from 'vitest';
import { campaignFieldOfError } from './fieldErrors';

describe('campaignFieldOfError', () => {
  it.each([
    ['message_1: unknown placeholder {prenom}; allowed: {first_name}, {last_name}, {phone}', 'message_1'],
    ['message_2: message text is empty', 'message_2'],
    ['name must be 1 to 200 characters', 'name'],
    ['category_ids must name at least one category', 'category_ids'],
    ['unknown category ids: [42]', 'category_ids'],
    ['settings: interaction_window_secs must be positive', 'settings'],
    ['message_1_template: parameter 2 is a fixed text without text', 'message_1_template'],
    ['audience_sets name campaigns that do not exist or never ran: [12]', 'audience_sets'],
    ['audience_sets: at most 20 sets', 'audience_sets'],
    ['the audience needs a category or an included audience set (category_ids, audience_sets)', 'category_ids'],
    ['settings: frequency_cap: days must be between 1 and 365, got 0', 'frequency_cap'],
    ['message_2_template: language "FR" is not a language code such as `fr` or `en_US`', 'message_2_template'],
    ['message_1_variants: a campaign has 2 to 4 variants, got 1', 'message_1_variants'],
    ['message_1_variants[B]: message_1 or message_1_template is required', 'message_1_variants'],
  ])('%s → %s', (message, field) => {
    expect(campaignFieldOfError(message)).toBe(field);
  });

  it('leaves other messages to the form as a whole', () => {
    expect(campaignFieldOfError('campaign is running; only a draft can be edited')).toBeNull();
  });
});
