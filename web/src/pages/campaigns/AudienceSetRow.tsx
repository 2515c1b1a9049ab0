// One outcome set of a draft's audience (R23): a launched campaign, how its contacts' journeys
// ended (for `failed`, optionally which kind of failure), whether they are added or left out,
// and a button to remove the set.

import type { Campaign, FailureKind } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { AUDIENCE_OUTCOMES, audienceOutcomeText, narrowedByFailureKind, onlyExcluded } from '../../lib/audienceOutcomes';
import type { AudienceSetDraft } from '../../lib/audienceSets';
import { FAILURE_KINDS, failureKindText } from '../../lib/failureKinds';

interface AudienceSetRowProps {
  index: number;
  draft: AudienceSetDraft;
  /** The campaigns the set may name: launched ones. */
  campaigns: readonly Campaign[];
  onChange: (change: Partial<AudienceSetDraft>) => void;
  onRemove: () => void;
}

export function AudienceSetRow({ index, draft, campaigns, onChange, onRemove }: AudienceSetRowProps) {
  const { t } = useI18n();
  const id = `audience-set-${index}`;
  // A saved set may name a campaign older than the ones listed: it stays a choice.
  const listed = draft.campaignId === null || campaigns.some((campaign) => campaign.id === draft.campaignId);
  const excludedOnly = onlyExcluded(draft.outcome);

  return (
    <fieldset className="audience-set" data-testid="audience-set">
      <legend>{t('audienceSets.set', { number: index + 1 })}</legend>
      <div className="grid-3">
        <div className="field">
          <label htmlFor={`${id}-campaign`}>{t('audienceSets.campaign')}</label>
          <select
            id={`${id}-campaign`}
            value={draft.campaignId ?? ''}
            onChange={(event) => onChange({ campaignId: event.target.value ? Number(event.target.value) : null })}
          >
            {draft.campaignId === null && <option value="">{t('audienceSets.chooseCampaign')}</option>}
            {!listed && <option value={draft.campaignId ?? ''}>{t('audienceSets.campaignNumber', { id: draft.campaignId ?? '' })}</option>}
            {campaigns.map((campaign) => (
              <option key={campaign.id} value={campaign.id}>
                {campaign.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-outcome`}>{t('audienceSets.outcome')}</label>
          <select
            id={`${id}-outcome`}
            value={draft.outcome}
            onChange={(event) => onChange({ outcome: event.target.value as AudienceSetDraft['outcome'] })}
          >
            {AUDIENCE_OUTCOMES.map((outcome) => (
              <option key={outcome} value={outcome}>
                {t(audienceOutcomeText(outcome))}
              </option>
            ))}
          </select>
        </div>
        {narrowedByFailureKind(draft.outcome) && (
          <div className="field">
            <label htmlFor={`${id}-kind`}>{t('audienceSets.failureKind')}</label>
            <select
              id={`${id}-kind`}
              value={draft.failureKind ?? ''}
              onChange={(event) => onChange({ failureKind: (event.target.value || null) as FailureKind | null })}
            >
              <option value="">{t('audienceSets.anyFailure')}</option>
              {FAILURE_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {t(failureKindText(kind).name)}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-use`}>{t('audienceSets.use')}</label>
          <select
            id={`${id}-use`}
            value={draft.exclude ? 'exclude' : 'include'}
            disabled={excludedOnly}
            aria-describedby={excludedOnly ? `${id}-opted-out` : undefined}
            onChange={(event) => onChange({ exclude: event.target.value === 'exclude' })}
          >
            <option value="include">{t('audienceSets.include')}</option>
            <option value="exclude">{t('audienceSets.exclude')}</option>
          </select>
        </div>
      </div>
      <div className="audience-set-foot">
        {excludedOnly && (
          <p id={`${id}-opted-out`} className="muted">
            {t('audienceSets.optedOutExcluded')}
          </p>
        )}
        <button type="button" className="button button-small" onClick={onRemove}>
          {t('audienceSets.remove')}
        </button>
      </div>
    </fieldset>
  );
}
