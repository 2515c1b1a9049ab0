import { describe, expect, it } from 'vitest';
import { dictionaries, en, fr, translate, type MessageKey } from './dictionary';
import { initialLanguage } from './language';
import { FAILURE_KINDS } from '../lib/failureKinds';
import { SETTING_FIELDS } from '../lib/settings';
import { ALERT_LEVELS } from '../lib/alertLevel';

const areas = import.meta.glob<{ en: Record<string, string>; fr: Record<string, string> }>('./messages/*.ts', {
  eager: true,
});

const variables = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('dictionary', () => {
  it('has every key in both languages, none empty', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of [...Object.entries(en), ...Object.entries(fr)]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('gathers every area, no key in two areas', () => {
    expect(Object.keys(areas).length).toBeGreaterThan(1);
    for (const language of ['en', 'fr'] as const) {
      const keys = Object.values(areas).flatMap((area) => Object.keys(area[language]));
      expect(keys.sort(), language).toEqual(Object.keys(dictionaries[language]).sort());
    }
  });

  it('uses the same variables in both languages', () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(variables(fr[key]), key).toEqual(variables(en[key]));
    }
  });

  it('has a text for every kind the console looks up by name', () => {
    const dynamic = [
      ...FAILURE_KINDS.map((kind) => `failureKind.${kind}`),
      ...SETTING_FIELDS.map((field) => `settings.${field}`),
      ...ALERT_LEVELS.map((level) => `level.${level}`),
    ];
    for (const key of dynamic) expect(Object.hasOwn(en, key), key).toBe(true);
  });

  it('fills variables', () => {
    expect(translate('en', 'common.pageOf', { page: 2, pages: 5, total: 90 })).toBe('Page 2 of 5 · 90 in all');
    expect(translate('fr', 'common.pageOf', { page: 2, pages: 5, total: 90 })).toBe('Page 2 sur 5 · 90 au total');
  });
});

describe('initialLanguage', () => {
  it('prefers the saved choice, then the browser, then English', () => {
    expect(initialLanguage('fr', ['en-US'])).toBe('fr');
    expect(initialLanguage(null, ['fr-CI', 'en'])).toBe('fr');
    expect(initialLanguage('de', ['de-DE'])).toBe('en');
  });
});
