import { useI18n } from '../i18n/I18nProvider';
import { hasMessage } from '../i18n/dictionary';

/** A state word (campaign, journey or message status) in a coloured pill. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}`;
  return <span className={`badge badge-${status}`}>{hasMessage(key) ? t(key) : status}</span>;
}
