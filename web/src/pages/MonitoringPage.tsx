import { useState } from 'react';
import { Link } from 'wouter';
import { useDailyMonitoring, useErrorsByKind, useRecentErrors } from '../api/monitoring';
import type { FailureKind } from '../api/types';
import { ChoiceFilter } from '../components/ChoiceFilter';
import { DailyOverview } from '../components/DailyOverview';
import { FailureReason } from '../components/FailureReason';
import { HistoryPanel } from '../components/HistoryPanel';
import { PagedTable } from '../components/PagedTable';
import { useI18n } from '../i18n/I18nProvider';
import { FAILURE_KINDS, failureKindText } from '../lib/failureKinds';

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

/** How many failed messages there are of each kind; a kind's count filters the list to it. */
function ErrorsByKind({ onKind }: { onKind: (kind: FailureKind) => void }) {
  const { t, formatNumber } = useI18n();
  const counts = useErrorsByKind();
  if (!counts.data || counts.data.total === 0) return null;
  return (
    <div data-testid="errors-by-kind">
      <h3>{t('monitoring.byKind')}</h3>
      <ul className="kind-counts">
        {counts.data.by_kind.map(({ kind, count }) => (
          <li key={kind}>
            <button type="button" className="button button-small" data-failure-kind={kind} onClick={() => onKind(kind)}>
              {t(failureKindText(kind).name)}: {formatNumber(count)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function RecentErrors() {
  const { t, formatDateTime } = useI18n();
  const [page, setPage] = useState(1);
  const [kind, setKind] = useState<FailureKind | null>(null);
  const errors = useRecentErrors(page, ERRORS_PAGE_SIZE, kind);
  const chooseKind = (value: FailureKind | null) => {
    setKind(value);
    setPage(1);
  };
  return (
    <section className="card">
      <h2>{t('monitoring.recentErrors')}</h2>
      <ErrorsByKind onKind={chooseKind} />
      <div className="filters">
        <ChoiceFilter
          id="errors-kind"
          label={t('monitoring.kind')}
          value={kind}
          choices={FAILURE_KINDS}
          choiceLabel={(value) => t(failureKindText(value).name)}
          onChange={chooseKind}
        />
      </div>
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
              <FailureReason kind={error.failure_kind} text={error.error} />
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
