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
    ['message_2_template: language "FR" is not a language code such as `fr` or `en_US`', 'message_2_template'],
  ])('%s → %s', (message, field) => {
    expect(campaignFieldOfError(message)).toBe(field);
  });

  it('leaves other messages to the form as a whole', () => {
    expect(campaignFieldOfError('campaign is running; only a draft can be edited')).toBeNull();
  });
});
