import { useI18n } from '../i18n/I18nProvider';

/**
 * "Opted out" beside a contact who wrote STOP (R19), the date as its title; nothing for a
 * contact who accepts messages. Read-only: only the contact opts back in, by writing START.
 */
export function OptedOutBadge({ optedOutAt }: { optedOutAt: string | null | undefined }) {
  const { t, formatDateTime } = useI18n();
  if (!optedOutAt) return null;
  return (
    <span className="badge badge-opted_out" title={t('contacts.optedOutSince', { date: formatDateTime(optedOutAt) })} data-testid="opted-out-badge">
      {t('contacts.optedOut')}
    </span>
  );
}
