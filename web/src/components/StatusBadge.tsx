import type { CampaignStatus, JourneyState, MessageStatus } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';

/** A state word (campaign, journey or message status) in a coloured pill. */
export function StatusBadge({ status }: { status: CampaignStatus | JourneyState | MessageStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}
