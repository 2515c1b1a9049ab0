import { describe, expect, it } from 'vitest';
import { en, fr } from '../i18n/dictionary';
import { AUDIENCE_OUTCOMES, audienceOutcomeText, narrowedByFailureKind, onlyExcluded } from './audienceOutcomes';

describe('audience outcomes', () => {
  it('names every outcome in both languages, each differently', () => {
    for (const dictionary of [en, fr]) {
      const names = AUDIENCE_OUTCOMES.map((outcome) => dictionary[audienceOutcomeText(outcome)]);
      for (const name of names) expect(name.trim()).not.toBe('');
      expect(new Set(names).size).toBe(AUDIENCE_OUTCOMES.length);
    }
    expect(en[audienceOutcomeText('replied_in_time')]).toBe('Replied in time');
    expect(fr[audienceOutcomeText('replied_in_time')]).toBe('A répondu à temps');
  });

  it('narrows only failed by a failure kind, and only ever excludes opted out', () => {
    expect(AUDIENCE_OUTCOMES.filter(narrowedByFailureKind)).toEqual(['failed']);
    expect(AUDIENCE_OUTCOMES.filter(onlyExcluded)).toEqual(['opted_out']);
  });
});
