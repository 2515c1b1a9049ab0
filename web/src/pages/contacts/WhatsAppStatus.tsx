import { useI18n } from '../../i18n/I18nProvider';

/** Whether the provider said the number has WhatsApp; `null` until it was asked. */
export function WhatsAppStatus({ verified }: { verified: boolean | null | undefined }) {
  const { t } = useI18n();
  if (verified === true) return <span className="badge badge-completed">{t('whatsapp.verified')}</span>;
  if (verified === false) return <span className="badge badge-failed">{t('whatsapp.not_on_whatsapp')}</span>;
  return <span className="badge">{t('whatsapp.unverified')}</span>;
}
