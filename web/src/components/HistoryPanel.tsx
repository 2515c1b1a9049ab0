import { lazy, Suspense } from 'react';
import { useHistory } from '../api/monitoring';
import { useI18n } from '../i18n/I18nProvider';
import { QueryStates } from './QueryStates';
import { Loading } from './States';

const HistoryChart = lazy(() => import('./HistoryChart'));

/** The 7-day history chart, its code fetched only when shown. */
export function HistoryPanel() {
  const { t } = useI18n();
  const history = useHistory();
  return (
    <section className="card">
      <h2>{t('history.title')}</h2>
      <QueryStates query={history}>
        {(data) => (
          <Suspense fallback={<Loading />}>
            <HistoryChart history={data} />
          </Suspense>
        )}
      </QueryStates>
    </section>
  );
}
