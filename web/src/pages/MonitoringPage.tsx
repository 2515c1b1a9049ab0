import { useState } from 'react';
import { Link } from 'wouter';
import { useDailyMonitoring, useRecentErrors } from '../api/monitoring';
import { BreakerBanner } from '../components/BreakerBanner';
import { DailyFigures } from '../components/DailyFigures';
import { FailureReason } from '../components/FailureReason';
import { HistoryPanel } from '../components/HistoryPanel';
import { Pagination } from '../components/Pagination';
import { QueryStates, hasNoItems } from '../components/QueryStates';
import { useI18n } from '../i18n/I18nProvider';

const ERRORS_PAGE_SIZE = 20;

function BreakerState({ pausedUntil }: { pausedUntil: string | null | undefined }) {
  const { t, formatDateTime } = useI18n();
  return (
    <section className="card">
      <h2>{t('breaker.state')}</h2>
      <p data-testid="breaker-state">
        {pausedUntil ? (
          <span className="badge badge-failed">{t('breaker.paused', { until: formatDateTime(pausedUntil) })}</span>
        ) : (
          <span className="badge badge-completed">{t('breaker.closed')}</span>
        )}
      </p>
      <p className="muted">{t('breaker.help')}</p>
    </section>
  );
}

function RecentErrors() {
  const { t, formatDateTime } = useI18n();
  const [page, setPage] = useState(1);
  const errors = useRecentErrors(page, ERRORS_PAGE_SIZE);
  return (
    <section className="card">
      <h2>{t('monitoring.recentErrors')}</h2>
      <QueryStates query={errors} isEmpty={hasNoItems} emptyText={t('monitoring.noErrors')}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('monitoring.at')}</th>
                    <th scope="col">{t('messages.campaign')}</th>
                    <th scope="col">{t('contacts.name')}</th>
                    <th scope="col">{t('contacts.phone')}</th>
                    <th scope="col">{t('messages.type')}</th>
                    <th scope="col">{t('messages.error')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((error) => (
                    <tr key={error.message_id}>
                      <td>{formatDateTime(error.at)}</td>
                      <td>
                        <Link href={`/campaigns/${error.campaign_id}`}>{error.campaign_name}</Link>
                      </td>
                      <td>{error.contact_name || '—'}</td>
                      <td className="mono">{error.phone}</td>
                      <td>{error.message_type === 'message_2' ? t('messageType.message_2') : t('messageType.message_1')}</td>
                      <td>
                        <FailureReason text={error.error} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={page} size={ERRORS_PAGE_SIZE} total={data.total} onPage={setPage} />
          </>
        )}
      </QueryStates>
    </section>
  );
}

export default function MonitoringPage() {
  const { t } = useI18n();
  const daily = useDailyMonitoring();
  return (
    <div className="stack">
      <h1>{t('nav.monitoring')}</h1>
      <BreakerBanner pausedUntil={daily.data?.sending_paused_until} />
      <div className="grid-2">
        <section className="card">
          <h2>{t('dashboard.today')}</h2>
          <QueryStates query={daily}>{(data) => <DailyFigures daily={data} />}</QueryStates>
        </section>
        <BreakerState pausedUntil={daily.data?.sending_paused_until} />
      </div>
      <HistoryPanel />
      <RecentErrors />
    </div>
  );
}
