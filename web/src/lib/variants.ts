// Message 1's A/B variants (R25) as the editor holds them and as the API takes them: none, or 2
// to 4, named A, B, C, D in their order, each a text (a template on the Meta provider) and a
// weight that counts against the others'. Saving sends the whole list, which replaces the saved
// one; `[]` removes a saved draft's variants. Which variant wins is the server's to say.

import type { CampaignInput, CatalogItem, TemplateMessage, Variant, VariantRecord, VariantRequest } from '../api/types';
import { savedDraft, templateRequest, type TemplateDraft } from './metaTemplate';
import { everyValue } from './vocabulary';

/** Every variant name, in order: the n-th variant of a draft is the n-th name. */
export const VARIANTS = everyValue<Variant>()(['A', 'B', 'C', 'D']);
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = VARIANTS.length;
/** The bounds the API sets on each weight. */
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 100;
/** What a new variant weighs: equal shares until the operator says otherwise. */
const NEW_WEIGHT = '50';

export interface VariantDraft {
  text: string;
  /** The template as the operator chose it; `undefined` while the saved one is untouched. */
  template: TemplateDraft | null | undefined;
  /** The saved variant's template, sent back as it is while untouched. */
  saved: TemplateMessage | null;
  weight: string;
}

export interface VariantsDraft {
  /** Whether Message 1 has variants (the list is kept while off, for turning them on again). */
  on: boolean;
  variants: VariantDraft[];
}

/** What a first variant starts from: the single Message 1 as the operator left it. */
export interface VariantSeed {
  text: string;
  template: TemplateDraft | null;
}

type Message1Fields = Pick<CampaignInput, 'message_1' | 'message_1_template' | 'message_1_variants'>;

export function newVariantDraft(seed: VariantSeed = { text: '', template: null }): VariantDraft {
  return { text: seed.text, template: seed.template, saved: null, weight: NEW_WEIGHT };
}

/** A campaign's saved variants as the editor starts from them (off when it has none). */
export function variantsDraft(saved: readonly VariantRecord[] | undefined): VariantsDraft {
  const variants = (saved ?? []).map((variant) => ({
    text: variant.message_1,
    template: undefined,
    saved: variant.message_1_template ?? null,
    weight: String(variant.weight),
  }));
  return { on: variants.length > 0, variants };
}

/** Turns the variants on or off; turned on without any, two start: the first from `seed`. */
export function switchVariants(draft: VariantsDraft, on: boolean, seed: VariantSeed): VariantsDraft {
  if (!on || draft.variants.length >= MIN_VARIANTS) return { ...draft, on };
  return { on, variants: [newVariantDraft(seed), newVariantDraft()] };
}

export function addVariant(variants: readonly VariantDraft[]): VariantDraft[] {
  return variants.length >= MAX_VARIANTS ? [...variants] : [...variants, newVariantDraft()];
}

/** The variants without the one at `index` (never fewer than two: the later ones are renamed). */
export function removeVariant(variants: readonly VariantDraft[], index: number): VariantDraft[] {
  return variants.length <= MIN_VARIANTS ? [...variants] : variants.filter((_, at) => at !== index);
}

/** Each variant with its name, in order. */
export function namedVariants<T>(variants: readonly T[]): { name: Variant; variant: T }[] {
  return variants.flatMap((variant, index) => {
    const name = VARIANTS[index];
    return name ? [{ name, variant }] : [];
  });
}

/** A typed weight as sent: a whole number, or 0 (which the server refuses, naming the rule). */
export function weightValue(text: string): number {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : 0;
}

/** Each variant's share of the contacts (0–1); `null` for a weight outside 1–100, or for all when none is valid. */
export function variantShares(weights: readonly number[]): (number | null)[] {
  const valid = weights.map((weight) => (weight >= MIN_WEIGHT && weight <= MAX_WEIGHT ? weight : null));
  const total = valid.reduce<number>((sum, weight) => sum + (weight ?? 0), 0);
  return valid.map((weight) => (weight === null || total === 0 ? null : weight / total));
}

/** The template a variant shows: the saved one (mapped from the catalog) until the operator changes it. */
export function variantTemplate(variant: VariantDraft, catalog: readonly CatalogItem[]): TemplateDraft | null {
  return variant.template === undefined ? savedDraft(variant.saved, catalog) : variant.template;
}

/** The variants as the API takes them: texts, or templates on the Meta provider (a missing one left out, for the server to name). */
export function variantsRequest(variants: readonly VariantDraft[], templates: boolean, catalog: readonly CatalogItem[]): VariantRequest[] {
  return variants.map((variant) => {
    const weight = weightValue(variant.weight);
    if (!templates) return { message_1: variant.text, weight };
    const template = variant.template === undefined ? variant.saved : templateRequest(variant.template, catalog);
    return template ? { message_1_template: template, weight } : { weight };
  });
}

/**
 * Message 1's part of the saved body. With variants, only them (a draft's single Message 1 stays
 * as it was); without, the single Message 1 (`single`), and `[]` when the saved draft had
 * variants, to remove them.
 */
export function message1Request(
  draft: VariantsDraft,
  single: Omit<Message1Fields, 'message_1_variants'>,
  options: { hadVariants: boolean; templates: boolean; catalog: readonly CatalogItem[] },
): Message1Fields {
  if (draft.on) return { message_1_variants: variantsRequest(draft.variants, options.templates, options.catalog) };
  return options.hadVariants ? { ...single, message_1_variants: [] } : { ...single };
}

/** The variant a refusal names (`message_1_variants[B]: …`), if it names one. */
export function variantOfError(message: string | null): Variant | null {
  const named = /^\s*message_1_variants\[([A-Z])\]/.exec(message ?? '')?.[1];
  return VARIANTS.find((variant) => variant === named) ?? null;
}
