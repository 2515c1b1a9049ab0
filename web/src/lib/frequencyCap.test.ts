import { describe, expect, it } from 'vitest';
import { frequencyCapDraft, frequencyCapOverrides, frequencyCapSetting } from './frequencyCap';

describe('frequency cap', () => {
  it('reads a saved setting: absent, null or a cap of its own', () => {
    expect(frequencyCapDraft({}).choice).toBe('default');
    expect(frequencyCapDraft(null).choice).toBe('default');
    expect(frequencyCapDraft({ frequency_cap: null }).choice).toBe('off');
    expect(frequencyCapDraft({ frequency_cap: { max_message_1: 1, days: 30 } })).toEqual({ choice: 'custom', maxMessage1: '1', days: '30' });
  });

  it('writes no key for the default, null for none, the numbers for a cap', () => {
    const draft = frequencyCapDraft({});
    expect(frequencyCapOverrides(draft)).toEqual({});
    expect(Object.hasOwn(frequencyCapOverrides(draft), 'frequency_cap')).toBe(false);
    expect(frequencyCapOverrides({ ...draft, choice: 'off' })).toEqual({ frequency_cap: null });
    expect(frequencyCapOverrides({ choice: 'custom', maxMessage1: ' 3 ', days: '14' })).toEqual({ frequency_cap: { max_message_1: 3, days: 14 } });
  });

  it('sends what is not a whole number as 0, for the server to refuse', () => {
    expect(frequencyCapSetting({ choice: 'custom', maxMessage1: '', days: '1.5' })).toEqual({ max_message_1: 0, days: 0 });
  });
});
