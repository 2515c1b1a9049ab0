// The top of the dashboard and of the monitoring screen: the provider and breaker banners, then
// today's figures (with Meta's messaging limit on that provider) in a card beside whatever the
// screen adds.

import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { DailyMonitoring } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { BreakerBanner } from './BreakerBanner';
import { DailyFigures } from './DailyFigures';
import { MessagingLimitGauge } from './MessagingLimitGauge';
import { ProviderDownBanner } from './ProviderDownBanner';
import { QueryStates } from './QueryStates';

interface DailyOverviewProps {
  daily: UseQueryResult<DailyMonitoring, unknown>;
  /** The card shown beside today's figures. */
  children: ReactNode;
}

export function DailyOverview({ daily, children }: DailyOverviewProps) {
  const { t } = useI18n();
  return (
    <>
      <ProviderDownBanner />
      <BreakerBanner pausedUntil={daily.data?.sending_paused_until} />
      <div className="grid-2">
        <section className="card">
          <h2>{t('dashboard.today')}</h2>
          <QueryStates query={daily}>
            {(data) => (
              <>
                <DailyFigures daily={data} />
                {data.messaging_limit && <MessagingLimitGauge messagingLimit={data.messaging_limit} />}
              </>
            )}
          </QueryStates>
        </section>
        {children}
      </div>
    </>
  );
}
