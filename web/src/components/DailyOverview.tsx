// The top of the dashboard and of the monitoring screen: the breaker banner, then today's figures
// in a card beside whatever the screen adds.

import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import type { DailyMonitoring } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { BreakerBanner } from './BreakerBanner';
import { DailyFigures } from './DailyFigures';
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
      <BreakerBanner pausedUntil={daily.data?.sending_paused_until} />
      <div className="grid-2">
        <section className="card">
          <h2>{t('dashboard.today')}</h2>
          <QueryStates query={daily}>{(data) => <DailyFigures daily={data} />}</QueryStates>
        </section>
        {children}
      </div>
    </>
  );
}
