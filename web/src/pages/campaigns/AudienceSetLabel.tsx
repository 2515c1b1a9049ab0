// An outcome set in words: its campaign's name (its number until the name is read), the outcome
// and, for failures, the kind; "Minus …" when the set leaves its contacts out.

import { useCampaign } from '../../api/campaigns';
import type { AudienceSet } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { audienceOutcomeText } from '../../lib/audienceOutcomes';
import { failureKindText } from '../../lib/failureKinds';

export function AudienceSetLabel({ set }: { set: AudienceSet }) {
  const { t } = useI18n();
  const source = useCampaign(set.campaign_id);
  const outcome = t(audienceOutcomeText(set.outcome));
  const label = t('audienceSets.label', {
    campaign: source.data?.name ?? t('audienceSets.campaignNumber', { id: set.campaign_id }),
    outcome: set.failure_kind ? t('audienceSets.outcomeOfKind', { outcome, kind: t(failureKindText(set.failure_kind).name) }) : outcome,
  });
  return <>{set.exclude ? t('audienceSets.excluded', { set: label }) : label}</>;
}
