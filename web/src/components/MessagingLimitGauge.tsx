// Meta's messaging limit (SPEC §7): distinct contacts reached outside a customer-service window
// in a moving 24 hours, against the business's tier. An unlimited or unknown tier has no gauge,
// only the count.

import type { MessagingLimit } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { Gauge } from './Gauge';
import './metaProvider.css';

export function MessagingLimitGauge({ messagingLimit }: { messagingLimit: MessagingLimit }) {
  const { t, formatNumber } = useI18n();
  const { limit, reached_last_24h: reached, level } = messagingLimit;
  return (
    <section className="limit-gauge" aria-label={t('messagingLimit.title')} data-testid="messaging-limit">
      <h3>{t('messagingLimit.title')}</h3>
      <p className="muted">{t('messagingLimit.help')}</p>
      {limit == null ? (
        <p>{t('messagingLimit.unlimited', { reached: formatNumber(reached) })}</p>
      ) : (
        <Gauge
          sent={reached}
          limit={limit}
          level={level ?? 'ok'}
          label={t('messagingLimit.gauge', { reached: formatNumber(reached), limit: formatNumber(limit) })}
        />
      )}
    </section>
  );
}
