import { describe, expect, it } from 'vitest';
import { en, fr } from '../i18n/dictionary';
import { FAILURE_KINDS, failureKindText } from './failureKinds';

describe('failureKindText', () => {
  it('names and explains every kind in both languages, each differently', () => {
    const names = new Set<string>();
    for (const kind of FAILURE_KINDS) {
      const { name, explanation } = failureKindText(kind);
      expect(name).not.toBe(explanation);
      names.add(en[name]);
      for (const dictionary of [en, fr]) {
        expect(dictionary[name].trim(), `${kind} name`).not.toBe('');
        expect(dictionary[explanation].trim(), `${kind} explanation`).not.toBe('');
      }
    }
    expect(names.size).toBe(FAILURE_KINDS.length);
  });

  it('says Meta held a limited message back, and that the contact stays eligible', () => {
    const { name, explanation } = failureKindText('limited');
    expect(en[name]).toBe('Limited by Meta');
    expect(fr[name]).toBe('Limité par Meta');
    expect(en[explanation]).toMatch(/later campaigns/);
    expect(fr[explanation]).toMatch(/prochaines campagnes/);
  });
});
