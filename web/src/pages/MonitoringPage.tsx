import { useState } from 'react';
import { Link } from 'wouter';
import { useDailyMonitoring, useRecentErrors } from '../api/monitoring';
import { DailyOverview } from '../components/DailyOverview';
import { FailureReason } from '../components/FailureReason';
import { HistoryPanel } from '../components/HistoryPanel';
import { PagedTable } from '../components/PagedTable';
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
      <PagedTable
        query={errors}
        emptyText={t('monitoring.noErrors')}
        columns={[
          { label: t('monitoring.at') },
          { label: t('messages.campaign') },
          { label: t('contacts.name') },
          { label: t('contacts.phone') },
          { label: t('messages.type') },
          { label: t('messages.error') },
        ]}
        paging={{ page, size: ERRORS_PAGE_SIZE, onPage: setPage }}
        row={(error) => (
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
        )}
      />
    </section>
  );
}

export default function MonitoringPage() {
  const { t } = useI18n();
  const daily = useDailyMonitoring();
  return (
    <div className="stack">
      <h1>{t('nav.monitoring')}</h1>
      <DailyOverview daily={daily}>
        <BreakerState pausedUntil={daily.data?.sending_paused_until} />
      </DailyOverview>
      <HistoryPanel />
      <RecentErrors />
    </div>
  );
}
