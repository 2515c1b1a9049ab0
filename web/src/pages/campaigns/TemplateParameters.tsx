// One row per placeholder of the chosen template (header first, then body): what fills it, a
// contact field or a fixed text, and the text itself, which for a contact field is the fallback
// sent when the contact's field is empty (Meta refuses an empty parameter).

import type { ParameterSource } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { PARAMETER_SOURCES, type MappingRow } from '../../lib/metaTemplate';

interface TemplateParametersProps {
  id: string;
  rows: readonly MappingRow[];
  onChange: (rows: MappingRow[]) => void;
}

export function TemplateParameters({ id, rows, onChange }: TemplateParametersProps) {
  const { t } = useI18n();
  if (rows.length === 0) return <p className="muted">{t('campaigns.templateNoPlaceholders')}</p>;
  const change = (index: number, patch: Partial<MappingRow>) =>
    onChange(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));

  return (
    <fieldset className="template-rows">
      <legend className="muted">{t('campaigns.placeholders')}</legend>
      {rows.map((row, index) => {
        const rowId = `${id}-${row.component}-${row.placeholder}`;
        const fixed = row.source === 'text';
        const missing = fixed && row.text.trim() === '';
        return (
          <div className="template-row" key={rowId} data-testid={rowId}>
            <span className="template-row-name">
              {t(`campaigns.placeholderIn.${row.component}`, { placeholder: `{{${row.placeholder}}}` })}
            </span>
            <div className="field">
              <label htmlFor={`${rowId}-source`}>{t('campaigns.placeholderSource')}</label>
              <select
                id={`${rowId}-source`}
                value={row.source}
                onChange={(event) => change(index, { source: event.target.value as ParameterSource })}
              >
                {PARAMETER_SOURCES.map((source) => (
                  <option key={source} value={source}>
                    {t(`parameterSource.${source}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${rowId}-text`}>{fixed ? t('campaigns.placeholderText') : t('campaigns.placeholderFallback')}</label>
              <input
                id={`${rowId}-text`}
                maxLength={1024}
                value={row.text}
                aria-invalid={missing || undefined}
                aria-describedby={missing ? `${rowId}-needed` : undefined}
                onChange={(event) => change(index, { text: event.target.value })}
              />
              {missing && (
                <span id={`${rowId}-needed`} className="counter counter-over">
                  {t('campaigns.placeholderTextNeeded')}
                </span>
              )}
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}
