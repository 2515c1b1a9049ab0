// A campaign a provider condition paused (Meta provider), beside its status: it still says
// `running` or `scheduled`, but its sends wait until an operator resumes it.

import { useI18n } from '../i18n/I18nProvider';

export function PausedBadge({ reason }: { reason: string | null | undefined }) {
  const { t } = useI18n();
  if (!reason) return null;
  return (
    <span className="badge badge-failed" title={reason}>
      {t('campaigns.pausedBadge')}
    </span>
  );
}
