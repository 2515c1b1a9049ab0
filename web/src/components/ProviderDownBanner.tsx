// The WhatsApp provider refused the engine's credentials (Meta: an expired or revoked token), so
// every campaign is paused: a red banner with the reason `GET /health` gives, until it is up.

import { useHealth } from '../api/health';
import { useI18n } from '../i18n/I18nProvider';

export function ProviderDownBanner() {
  const { t } = useI18n();
  const health = useHealth();
  if (health.data?.provider !== 'down') return null;
  const reason = health.data.provider_reason;
  return (
    <div className="banner banner-danger" role="alert" data-testid="provider-down">
      <strong>{t('provider.downTitle')}</strong> {reason ? t('provider.downBody', { reason }) : t('provider.downNoReason')}
    </div>
  );
}
