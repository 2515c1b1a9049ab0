import { useState } from 'react';
import { Link } from 'wouter';
import { useCampaigns } from '../../api/campaigns';
import type { CampaignStatus } from '../../api/types';
import { PagedTable } from '../../components/PagedTable';
import { PausedBadge } from '../../components/PausedBadge';
import { StatusBadge } from '../../components/StatusBadge';
import { useI18n } from '../../i18n/I18nProvider';
import { ChoiceFilter } from '../../components/ChoiceFilter';
import { everyValue } from '../../lib/vocabulary';

const PAGE_SIZE = 20;
const STATUSES = everyValue<CampaignStatus>()(['draft', 'scheduled', 'running', 'completed', 'failed', 'cancelled']);

export default function CampaignsPage() {
  const { t, formatNumber, formatDateTime } = useI18n();
  const [status, setStatus] = useState<CampaignStatus | null>(null);
  const [page, setPage] = useState(1);
  const campaigns = useCampaigns(page, PAGE_SIZE, status);

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('nav.campaigns')}</h1>
        <Link href="/campaigns/new" className="button button-primary">
          {t('campaigns.new')}
        </Link>
      </div>
      <div className="filters">
        <ChoiceFilter
          id="campaigns-status"
          label={t('common.status')}
          value={status}
          choices={STATUSES}
          choiceLabel={(value) => t(`status.${value}`)}
          onChange={(value) => {
            setStatus(value);
            setPage(1);
          }}
        />
      </div>
      <PagedTable
        query={campaigns}
        emptyText={t('campaigns.empty')}
        columns={[
          { label: t('campaigns.name') },
          { label: t('common.status') },
          { label: t('campaigns.contacts'), className: 'cell-number' },
          { label: t('campaigns.created') },
          { label: t('campaigns.started') },
        ]}
        paging={{ page, size: PAGE_SIZE, onPage: setPage }}
        row={(campaign) => (
          <tr key={campaign.id}>
            <td>
              <Link href={`/campaigns/${campaign.id}`}>{campaign.name}</Link>
            </td>
            <td>
              <StatusBadge status={campaign.status} /> <PausedBadge reason={campaign.paused_reason} />
            </td>
            <td className="cell-number">{formatNumber(campaign.total_contacts)}</td>
            <td>{formatDateTime(campaign.created_at)}</td>
            <td>{formatDateTime(campaign.started_at)}</td>
          </tr>
        )}
      />
    </div>
  );
}
