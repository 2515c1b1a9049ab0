import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../api/types';
import {
  addVariant,
  MAX_VARIANTS,
  message1Request,
  namedVariants,
  newVariantDraft,
  removeVariant,
  switchVariants,
  variantOfError,
  VARIANTS,
  variantShares,
  variantsDraft,
  variantsRequest,
  variantTemplate,
  weightValue,
  type VariantDraft,
} from './variants';

const CATALOG: CatalogItem[] = [
  {
    name: 'welcome',
    language: 'fr',
    category: 'marketing',
    status: 'approved',
    parameter_format: 'positional',
    header_text: null,
    body_text: 'Bonjour {{1}}',
    status_reason: null,
    quality: null,
    updated_at: '2026-01-01T00:00:00Z',
  },
];
const WELCOME = { name: 'welcome', language: 'fr', parameters: [{ component: 'body' as const, source: 'first_name' as const }] };
const GONE = { name: 'gone', language: 'en', parameters: [] };
const TEXTS = { hadVariants: false, templates: false, catalog: CATALOG };

function textVariant(text: string, weight = '50'): VariantDraft {
  return { ...newVariantDraft({ text, template: null }), weight };
}

describe('variants of Message 1', () => {
  it('names up to four variants A to D, in order', () => {
    expect(VARIANTS).toEqual(['A', 'B', 'C', 'D']);
    expect(namedVariants(['x', 'y', 'z']).map(({ name, variant }) => `${name}${variant}`)).toEqual(['Ax', 'By', 'Cz']);
  });

  it('starts two variants when turned on, the first from the single Message 1, and keeps them while off', () => {
    const on = switchVariants(variantsDraft([]), true, { text: 'Bonjour {first_name}', template: null });
    expect(on).toEqual({ on: true, variants: [textVariant('Bonjour {first_name}'), textVariant('')] });
    const off = switchVariants(on, false, { text: 'ignored', template: null });
    expect(off).toEqual({ on: false, variants: on.variants });
    expect(switchVariants(off, true, { text: 'ignored', template: null }).variants).toBe(on.variants);
  });

  it('adds up to four and removes down to two, renaming the later ones', () => {
    const two = [textVariant('a'), textVariant('b')];
    expect(removeVariant(two, 0)).toEqual(two);
    const four = addVariant(addVariant([...two, textVariant('c')]));
    expect(four).toHaveLength(MAX_VARIANTS);
    expect(addVariant(four)).toHaveLength(MAX_VARIANTS);
    const named = namedVariants(removeVariant(four, 1)).map(({ name, variant }) => `${name}:${variant.text}`);
    expect(named).toEqual(['A:a', 'B:c', 'C:']);
  });

  it('shares the contacts by weight, leaving out a weight the server would refuse', () => {
    expect(variantShares([70, 30])).toEqual([0.7, 0.3]);
    expect(variantShares([50, 50, 100])).toEqual([0.25, 0.25, 0.5]);
    expect(variantShares([60, 0, 120])).toEqual([1, null, null]);
    expect(variantShares([0, 0])).toEqual([null, null]);
    expect(weightValue(' 70 ')).toBe(70);
    expect(weightValue('')).toBe(0);
    expect(weightValue('2.5')).toBe(0);
  });

  it('sends only the variants when on, texts as typed and a weight that is not a whole number as 0', () => {
    const draft = { on: true, variants: [textVariant('Bonjour {first_name}', '70'), textVariant('Salut {first_name}', '30')] };
    expect(message1Request(draft, { message_1: 'single' }, TEXTS)).toEqual({
      message_1_variants: [
        { message_1: 'Bonjour {first_name}', weight: 70 },
        { message_1: 'Salut {first_name}', weight: 30 },
      ],
    });
    expect(variantsRequest([textVariant('', 'x')], false, CATALOG)).toEqual([{ message_1: '', weight: 0 }]);
  });

  it('sends the single Message 1 without variants, and [] to remove a saved draft’s variants', () => {
    const off = { on: false, variants: [textVariant('a'), textVariant('b')] };
    expect(message1Request(off, { message_1: 'Bonjour' }, TEXTS)).toEqual({ message_1: 'Bonjour' });
    expect(message1Request(off, { message_1: 'Bonjour' }, { ...TEXTS, hadVariants: true })).toEqual({ message_1: 'Bonjour', message_1_variants: [] });
    expect(message1Request(off, {}, { ...TEXTS, templates: true })).toEqual({});
  });

  it('reads saved variants back, and sends an untouched saved template as it is', () => {
    const saved = variantsDraft([
      { variant: 'A', message_1: '', message_1_template: WELCOME, weight: 60 },
      { variant: 'B', message_1: '', message_1_template: GONE, weight: 40 },
    ]);
    expect(saved.on).toBe(true);
    expect(saved.variants.map((variant) => variant.weight)).toEqual(['60', '40']);
    const [first, second] = saved.variants.map((variant) => variantTemplate(variant, CATALOG));
    expect(first).toEqual({ name: 'welcome', language: 'fr', rows: [{ component: 'body', placeholder: '1', source: 'first_name', text: '' }] });
    expect(second).toEqual({ name: 'gone', language: 'en', rows: [] });
    const cleared = saved.variants.map((variant) => ({ ...variant, template: null }));
    expect(variantsRequest([...saved.variants, ...cleared], true, [])).toEqual([
      { message_1_template: WELCOME, weight: 60 },
      { message_1_template: GONE, weight: 40 },
      { weight: 60 },
      { weight: 40 },
    ]);
  });

  it('sends a template the operator chose in the format of its catalog entry', () => {
    const chosen = { ...newVariantDraft(), template: { name: 'welcome', language: 'fr', rows: [{ component: 'body' as const, placeholder: '1', source: 'first_name' as const, text: '' }] } };
    expect(variantsRequest([chosen], true, CATALOG)).toEqual([{ message_1_template: WELCOME, weight: 50 }]);
  });

  it('finds the variant a refusal names', () => {
    expect(variantOfError('message_1_variants[B]: message_1 or message_1_template is required')).toBe('B');
    expect(variantOfError('message_1_variants[A]: unknown placeholder {prenom}')).toBe('A');
    expect(variantOfError('message_1_variants: a campaign has 2 to 4 variants, got 1')).toBeNull();
    expect(variantOfError('message_1_variants[E]: what')).toBeNull();
    expect(variantOfError(null)).toBeNull();
  });
});
