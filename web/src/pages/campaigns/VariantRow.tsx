// One variant of Message 1 in the editor (R25): its text with the placeholder help of Message 1
// (a template on the Meta provider), its weight and the share of contacts that weight gives it,
// and a button to remove it.

import type { ReactNode } from 'react';
import type { CatalogItem, Variant } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { MAX_WEIGHT, MIN_WEIGHT, variantTemplate, type VariantDraft } from '../../lib/variants';
import { MessageField } from './MessageField';
import { TemplateField } from './TemplateField';

interface VariantRowProps {
  name: Variant;
  draft: VariantDraft;
  /** The share of contacts its weight gives it (0–1), `null` while a weight is not valid. */
  share: number | null;
  onChange: (change: Partial<VariantDraft>) => void;
  /** Absent when the campaign has the fewest variants it may have. */
  onRemove: (() => void) | null;
  /** Whether the variant is a template (Meta provider) rather than a text. */
  templates: boolean;
  catalog: readonly CatalogItem[];
  catalogReady: boolean;
  placeholders: readonly string[];
  /** The server's refusal naming this variant. */
  error: string | null;
  /** Shown beside the template select (the "Refresh from Meta" button). */
  action?: ReactNode;
}

export function VariantRow({ name, draft, share, onChange, onRemove, templates, catalog, catalogReady, placeholders, error, action }: VariantRowProps) {
  const { t, formatNumber } = useI18n();
  const id = `variant-${name}`;
  return (
    <fieldset className="variant" data-testid={id}>
      <legend>{t('variants.variant', { variant: name })}</legend>
      {templates ? (
        <TemplateField
          id={`${id}-template`}
          legend={t('variants.template')}
          help={t('variants.templateHelp')}
          catalog={catalog}
          catalogReady={catalogReady}
          draft={variantTemplate(draft, catalog)}
          saved={draft.saved}
          onChange={(template) => onChange({ template })}
          optional={false}
          error={error}
          action={action}
        />
      ) : (
        <MessageField id={`${id}-text`} label={t('variants.text')} value={draft.text} onChange={(text) => onChange({ text })} error={error} placeholders={placeholders} />
      )}
      <div className="variant-foot">
        <div className="field field-inline">
          <label htmlFor={`${id}-weight`}>{t('variants.weight')}</label>
          <input
            id={`${id}-weight`}
            className="variant-weight"
            type="number"
            inputMode="numeric"
            min={MIN_WEIGHT}
            max={MAX_WEIGHT}
            step={1}
            required
            value={draft.weight}
            aria-describedby={`${id}-share`}
            onChange={(event) => onChange({ weight: event.target.value })}
          />
          <output id={`${id}-share`} htmlFor={`${id}-weight`} className="muted" data-testid={`${id}-share`}>
            {share === null ? t('variants.noShare') : t('variants.share', { share: formatNumber(share, { style: 'percent', maximumFractionDigits: 0 }) })}
          </output>
        </div>
        {onRemove && (
          <button type="button" className="button button-small" onClick={onRemove}>
            {t('variants.remove', { variant: name })}
          </button>
        )}
      </div>
    </fieldset>
  );
}
