// The editor's "Variants of Message 1" section (R25): off, Message 1 is the single field below
// it; on, 2 to 4 variants A–D take its place, each with its text (or template) and weight. A
// refusal naming a variant shows under it, any other under the section.

import type { ReactNode } from 'react';
import type { CatalogItem } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import {
  addVariant,
  MAX_VARIANTS,
  MIN_VARIANTS,
  namedVariants,
  removeVariant,
  switchVariants,
  variantOfError,
  variantShares,
  weightValue,
  type VariantDraft,
  type VariantSeed,
  type VariantsDraft,
} from '../../lib/variants';
import { VariantRow } from './VariantRow';
import './variants.css';

interface VariantsFieldProps {
  draft: VariantsDraft;
  /** Applies a change to the draft as it then stands (several may come before a render). */
  onChange: (change: (draft: VariantsDraft) => VariantsDraft) => void;
  /** What the first variant starts from when turned on: the single Message 1 as it stands. */
  seed: VariantSeed;
  templates: boolean;
  catalog: readonly CatalogItem[];
  catalogReady: boolean;
  placeholders: readonly string[];
  /** The server's refusal about the variants (`message_1_variants…`). */
  error: string | null;
  /** Shown beside the first variant's template select (the "Refresh from Meta" button). */
  templateAction?: ReactNode;
}

export function VariantsField({ draft, onChange, seed, templates, catalog, catalogReady, placeholders, error, templateAction }: VariantsFieldProps) {
  const { t } = useI18n();
  const { variants } = draft;
  const shares = variantShares(variants.map((variant) => weightValue(variant.weight)));
  const erring = variantOfError(error);
  const setVariants = (next: (current: VariantDraft[]) => VariantDraft[]) => onChange((current) => ({ ...current, variants: next(current.variants) }));
  const change = (index: number, changed: Partial<VariantDraft>) =>
    setVariants((current) => current.map((variant, at) => (at === index ? { ...variant, ...changed } : variant)));
  const toggle = (on: boolean) => onChange((current) => switchVariants(current, on, seed));
  const full = variants.length >= MAX_VARIANTS;

  return (
    <fieldset className="field" aria-describedby={error && !erring ? 'variants-error' : 'variants-help'} data-testid="variants-field">
      <legend>{t('variants.legend')}</legend>
      <p id="variants-help" className="muted">
        {t('variants.help')}
      </p>
      <div>
        <label className="checkbox">
          <input type="checkbox" checked={draft.on} onChange={(event) => toggle(event.target.checked)} />
          {t('variants.toggle')}
        </label>
      </div>
      {draft.on && (
        <>
          {namedVariants(variants).map(({ name, variant }, index) => (
            <VariantRow
              key={index}
              name={name}
              draft={variant}
              share={shares[index] ?? null}
              onChange={(changed) => change(index, changed)}
              onRemove={variants.length > MIN_VARIANTS ? () => setVariants((current) => removeVariant(current, index)) : null}
              templates={templates}
              catalog={catalog}
              catalogReady={catalogReady}
              placeholders={placeholders}
              error={erring === name ? error : null}
              action={index === 0 ? templateAction : undefined}
            />
          ))}
          <div className="toolbar">
            <button type="button" className="button" disabled={full} onClick={() => setVariants(addVariant)}>
              {t('variants.add')}
            </button>
            {full && <span className="muted">{t('variants.max', { max: MAX_VARIANTS })}</span>}
          </div>
        </>
      )}
      {error && !erring && (
        <p id="variants-error" className="field-error" role="alert" data-testid="variants-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
