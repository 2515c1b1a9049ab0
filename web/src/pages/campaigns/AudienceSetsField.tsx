// The outcome sets of a draft's audience (R23): up to 20 sets of launched campaigns' contacts,
// each added to the categories' contacts or left out of them.

import { useAudienceSourceCampaigns } from '../../api/campaigns';
import { ErrorNote } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { changeSetDraft, MAX_AUDIENCE_SETS, newSetDraft, type AudienceSetDraft } from '../../lib/audienceSets';
import { AudienceSetRow } from './AudienceSetRow';

interface AudienceSetsFieldProps {
  sets: readonly AudienceSetDraft[];
  onChange: (sets: AudienceSetDraft[]) => void;
  error: string | null;
}

export function AudienceSetsField({ sets, onChange, error }: AudienceSetsFieldProps) {
  const { t } = useI18n();
  const campaigns = useAudienceSourceCampaigns();
  const launched = campaigns.data ?? [];
  const full = sets.length >= MAX_AUDIENCE_SETS;
  const replace = (index: number, next: AudienceSetDraft | null) =>
    onChange(sets.flatMap((set, at) => (at !== index ? [set] : next ? [next] : [])));

  return (
    <fieldset className="field" aria-describedby={error ? 'audience-sets-error' : 'audience-sets-help'}>
      <legend>{t('audienceSets.legend')}</legend>
      <p id="audience-sets-help" className="muted">
        {t('audienceSets.help')}
      </p>
      {campaigns.isError && <ErrorNote error={campaigns.error} />}
      {sets.map((set, index) => (
        <AudienceSetRow
          key={index}
          index={index}
          draft={set}
          campaigns={launched}
          onChange={(change) => replace(index, changeSetDraft(set, change))}
          onRemove={() => replace(index, null)}
        />
      ))}
      {campaigns.isSuccess && launched.length === 0 && sets.length === 0 ? (
        <p className="muted">{t('audienceSets.noLaunched')}</p>
      ) : (
        <div className="toolbar">
          <button
            type="button"
            className="button"
            disabled={full || !campaigns.isSuccess}
            onClick={() => onChange([...sets, newSetDraft(launched[0]?.id ?? null)])}
          >
            {t('audienceSets.add')}
          </button>
          {full && <span className="muted">{t('audienceSets.max', { max: MAX_AUDIENCE_SETS })}</span>}
        </div>
      )}
      {error && (
        <p id="audience-sets-error" className="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
