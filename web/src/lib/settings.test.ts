import { describe, expect, it } from 'vitest';
import { settingsDraft, settingsOverrides } from './settings';

describe('settings overrides', () => {
  it('keeps only the settings given, as numbers', () => {
    const draft = { ...settingsDraft({}), interaction_window_secs: ' 30 ', batch_size: 'x' };
    expect(settingsOverrides(draft)).toEqual({ interaction_window_secs: 30 });
  });

  it('reads a saved draft back', () => {
    expect(settingsDraft({ cutoff_secs: 120, unknown: 1 }).cutoff_secs).toBe('120');
    expect(settingsDraft(null).cutoff_secs).toBe('');
  });
});
