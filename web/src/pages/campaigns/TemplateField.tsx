// A campaign message as a WhatsApp template (Meta provider): the template chosen from the
// catalog, the mapping of its placeholders, and what stands in the way of sending it (a template
// gone from the catalog or no longer approved, the server's refusal).

import type { ReactNode } from 'react';
import type { CatalogItem, TemplateMessage } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { findCatalogItem, mappingRows, type TemplateDraft } from '../../lib/metaTemplate';
import { TemplateParameters } from './TemplateParameters';
import { TemplatePicker } from './TemplatePicker';

interface TemplateFieldProps {
  id: string;
  legend: string;
  help: string;
  catalog: readonly CatalogItem[];
  /** Whether `catalog` is Meta's as read (not empty while loading): only then is a template missing. */
  catalogReady: boolean;
  draft: TemplateDraft | null;
  /** The campaign's saved template: choosing it again restores its mapping. */
  saved: TemplateMessage | null | undefined;
  onChange: (draft: TemplateDraft | null) => void;
  /** Whether "no template" is a choice (the Message 2 fallback) or a gap (Message 1). */
  optional: boolean;
  error: string | null;
  /** Shown beside the select (the "Refresh from Meta" button). */
  action?: ReactNode;
}

export function TemplateField({ id, legend, help, catalog, catalogReady, draft, saved, onChange, optional, error, action }: TemplateFieldProps) {
  const { t } = useI18n();
  const item = draft ? findCatalogItem(catalog, draft.name, draft.language) : undefined;
  function warningText(): string | null {
    if (!draft) return null;
    if (!item) return catalogReady ? t('campaigns.templateMissing', { name: draft.name, language: draft.language }) : null;
    return item.status === 'approved' ? null : t('campaigns.templateNotApproved', { status: t(`templateStatus.${item.status}`) });
  }
  const warning = warningText();
  const describedBy = [`${id}-help`, warning ? `${id}-warning` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');

  return (
    <fieldset className="field" data-testid={id}>
      <legend>{legend}</legend>
      <p id={`${id}-help`} className="muted">
        {help}
      </p>
      <div className="template-choice">
        <TemplatePicker
          id={id}
          label={legend}
          catalog={catalog}
          chosen={draft}
          emptyLabel={optional ? t('campaigns.templateNone') : t('campaigns.templateChoose')}
          describedBy={describedBy}
          invalid={error !== null}
          onChoose={(chosen) => onChange(chosen && { name: chosen.name, language: chosen.language, rows: mappingRows(chosen, saved) })}
        />
        {action}
      </div>
      {warning && (
        <p id={`${id}-warning`} className="notice notice-warning">
          {warning}
        </p>
      )}
      {draft && item && <TemplateParameters id={id} rows={draft.rows} onChange={(rows) => onChange({ ...draft, rows })} />}
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert" data-testid={`${id}-error`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
