// A draft's frequency cap (R24): the configured default, none, or at most N Message 1s per
// contact over D days; written to `settings.frequency_cap`.

import { useI18n } from '../../i18n/I18nProvider';
import { MAX_CAP_DAYS, MAX_MESSAGE_1_LIMIT, type FrequencyCapChoice, type FrequencyCapDraft } from '../../lib/frequencyCap';

interface FrequencyCapFieldProps {
  draft: FrequencyCapDraft;
  onChange: (change: Partial<FrequencyCapDraft>) => void;
  error: string | null;
}

export function FrequencyCapField({ draft, onChange, error }: FrequencyCapFieldProps) {
  const { t } = useI18n();
  const describedBy = error ? 'frequency-cap-help frequency-cap-error' : 'frequency-cap-help';
  return (
    <div className="stack-tight" data-testid="frequency-cap">
      <div className="grid-3">
        <div className="field">
          <label htmlFor="frequency-cap">{t('frequencyCap.label')}</label>
          <select
            id="frequency-cap"
            value={draft.choice}
            aria-describedby={describedBy}
            onChange={(event) => onChange({ choice: event.target.value as FrequencyCapChoice })}
          >
            <option value="default">{t('frequencyCap.default')}</option>
            <option value="off">{t('frequencyCap.off')}</option>
            <option value="custom">{t('frequencyCap.custom')}</option>
          </select>
        </div>
        {draft.choice === 'custom' && (
          <>
            <div className="field">
              <label htmlFor="frequency-cap-max">{t('frequencyCap.maxMessage1')}</label>
              <input
                id="frequency-cap-max"
                type="number"
                min={1}
                max={MAX_MESSAGE_1_LIMIT}
                step={1}
                value={draft.maxMessage1}
                aria-invalid={error ? true : undefined}
                onChange={(event) => onChange({ maxMessage1: event.target.value })}
              />
            </div>
            <div className="field">
              <label htmlFor="frequency-cap-days">{t('frequencyCap.days')}</label>
              <input
                id="frequency-cap-days"
                type="number"
                min={1}
                max={MAX_CAP_DAYS}
                step={1}
                value={draft.days}
                aria-invalid={error ? true : undefined}
                onChange={(event) => onChange({ days: event.target.value })}
              />
            </div>
          </>
        )}
      </div>
      <p id="frequency-cap-help" className="muted">
        {t('frequencyCap.help')}
      </p>
      {error && (
        <p id="frequency-cap-error" className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
