import type { DailyMonitoring } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { Gauge } from './Gauge';
import { LevelBadge } from './LevelBadge';

/** Today's sends against the limit: the gauge and the figures beside it. */
export function DailyFigures({ daily }: { daily: DailyMonitoring }) {
  const { t, formatNumber } = useI18n();
  return (
    <div className="daily">
      <Gauge sent={daily.sent} limit={daily.limit} level={daily.level} />
      <dl className="figures">
        <div>
          <dt>{t('daily.level')}</dt>
          <dd>
            <LevelBadge level={daily.level} />
          </dd>
        </div>
        <div>
          <dt>{t('daily.remaining')}</dt>
          <dd>{formatNumber(daily.remaining)}</dd>
        </div>
        <div>
          <dt>{t('daily.message1')}</dt>
          <dd>{formatNumber(daily.message_1)}</dd>
        </div>
        <div>
          <dt>{t('daily.message2')}</dt>
          <dd>{formatNumber(daily.message_2)}</dd>
        </div>
        <div>
          <dt>{t('daily.errors')}</dt>
          <dd>{formatNumber(daily.errors)}</dd>
        </div>
        <div>
          <dt>{t('daily.interactionRate')}</dt>
          <dd>{formatNumber(daily.interaction_rate / 100, { style: 'percent', maximumFractionDigits: 1 })}</dd>
        </div>
      </dl>
    </div>
  );
}
