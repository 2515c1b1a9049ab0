// The circuit breaker (SPEC R13) paused every send: say so, and until when. The API gives a
// pause end only while the pause lasts.

import { useI18n } from '../i18n/I18nProvider';

export function BreakerBanner({ pausedUntil }: { pausedUntil: string | null | undefined }) {
  const { t, formatDateTime } = useI18n();
  if (!pausedUntil) return null;
  return (
    <div className="banner banner-danger" role="alert">
      <strong>{t('breaker.title')}</strong> {t('breaker.body', { until: formatDateTime(pausedUntil) })}
    </div>
  );
}
