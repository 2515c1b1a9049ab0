import { Link } from 'wouter';
import { RUNNING_LIST_REFRESH_MS, useCampaigns, useCampaignStats } from '../api/campaigns';
import { useDailyMonitoring } from '../api/monitoring';
import type { Campaign } from '../api/types';
import { DailyOverview } from '../components/DailyOverview';
import { HistoryPanel } from '../components/HistoryPanel';
import { QueryStates, hasNoItems } from '../components/QueryStates';
import { useI18n } from '../i18n/I18nProvider';

const RUNNING_SHOWN = 20;

function RunningCampaign({ campaign }: { campaign: Campaign }) {
  const { t, formatNumber } = useI18n();
  const stats = useCampaignStats(campaign.id, true, RUNNING_LIST_REFRESH_MS);
  const total = stats.data?.total_contacts ?? campaign.total_contacts;
  const done = stats.data ? total - stats.data.pending : 0;
  const sent = stats.data?.messages_sent ?? 0;
  return (
    <li className="running">
      <div className="running-head">
        <Link href={`/campaigns/${campaign.id}`}>{campaign.name}</Link>
        <span className="muted">{t('dashboard.progress', { done: formatNumber(done), total: formatNumber(total), sent: formatNumber(sent) })}</span>
      </div>
      <progress max={Math.max(total, 1)} value={done} aria-label={campaign.name} />
    </li>
  );
}

export function DashboardPage() {
  const { t } = useI18n();
  const daily = useDailyMonitoring();
  const running = useCampaigns(1, RUNNING_SHOWN, 'running', RUNNING_LIST_REFRESH_MS);

  return (
    <div className="stack">
      <h1>{t('nav.dashboard')}</h1>
      <DailyOverview daily={daily}>
        <section className="card">
          <h2>{t('dashboard.running')}</h2>
          <QueryStates query={running} isEmpty={hasNoItems} emptyText={t('dashboard.noneRunning')}>
            {(data) => (
              <ul className="running-list">
                {data.items.map((campaign) => (
                  <RunningCampaign key={campaign.id} campaign={campaign} />
                ))}
              </ul>
            )}
          </QueryStates>
        </section>
      </DailyOverview>
      <HistoryPanel />
    </div>
  );
}
