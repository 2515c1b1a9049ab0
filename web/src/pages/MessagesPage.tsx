import { useState } from 'react';
import { Link } from 'wouter';
import { useCampaigns } from '../api/campaigns';
import { useMessages } from '../api/messages';
import type { MessageStatus, MessageType } from '../api/types';
import { FailureReason } from '../components/FailureReason';
import { ChoiceFilter } from '../components/ChoiceFilter';
import { NamedItemFilter } from '../components/NamedItemFilter';
import { PagedTable } from '../components/PagedTable';
import { SearchField } from '../components/SearchField';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n/I18nProvider';
import { LARGEST_PAGE } from '../lib/pages';
import { useDebounced } from '../lib/useDebounced';
import { everyValue } from '../lib/vocabulary';

const PAGE_SIZE = 25;
const TYPES = everyValue<MessageType>()(['message_1', 'message_2']);
const STATUSES = everyValue<MessageStatus>()(['pending', 'sent', 'delivered', 'read', 'failed']);

export default function MessagesPage() {
  const { t, formatDateTime } = useI18n();
  const [page, setPage] = useState(1);
  const [campaignId, setCampaignId] = useState<number | null>(null);
  const [messageType, setMessageType] = useState<MessageType | null>(null);
  const [status, setStatus] = useState<MessageStatus | null>(null);
  const [searchText, setSearchText] = useState('');
  const q = useDebounced(searchText.trim());
  const messages = useMessages({ page, size: PAGE_SIZE, campaignId, messageType, status, q });
  const campaigns = useCampaigns(1, LARGEST_PAGE, null);
  const campaignNames = new Map(campaigns.data?.items.map((campaign) => [campaign.id, campaign.name]));

  function filter<T>(set: (value: T) => void) {
    return (value: T) => {
      set(value);
      setPage(1);
    };
  }

  return (
    <div className="stack">
      <h1>{t('nav.messages')}</h1>
      <div className="filters">
        <SearchField id="messages-q" placeholder={t('messages.searchPlaceholder')} value={searchText} onChange={filter(setSearchText)} />
        <NamedItemFilter
          id="messages-campaign"
          label={t('messages.campaign')}
          value={campaignId}
          items={campaigns.data?.items}
          onChange={filter(setCampaignId)}
        />
        <ChoiceFilter
          id="messages-type"
          label={t('messages.type')}
          value={messageType}
          choices={TYPES}
          choiceLabel={(value) => t(`messageType.${value}`)}
          onChange={filter(setMessageType)}
        />
        <ChoiceFilter
          id="messages-status"
          label={t('common.status')}
          value={status}
          choices={STATUSES}
          choiceLabel={(value) => t(`status.${value}`)}
          onChange={filter(setStatus)}
        />
      </div>
      <PagedTable
        query={messages}
        emptyText={t('messages.empty')}
        columns={[
          { label: t('messages.created') },
          { label: t('contacts.phone') },
          { label: t('messages.campaign') },
          { label: t('messages.type') },
          { label: t('common.status') },
          { label: t('messages.attempts'), className: 'cell-number' },
          { label: t('messages.error') },
        ]}
        paging={{ page, size: PAGE_SIZE, onPage: setPage }}
        row={(message) => (
          <tr key={message.id}>
            <td>{formatDateTime(message.created_at)}</td>
            <td className="mono">{message.phone}</td>
            <td>
              <Link href={`/campaigns/${message.campaign_id}`}>{campaignNames.get(message.campaign_id) ?? `#${message.campaign_id}`}</Link>
            </td>
            <td>{t(`messageType.${message.message_type as MessageType}`)}</td>
            <td>
              <StatusBadge status={message.status} />
            </td>
            <td className="cell-number">{message.attempts}</td>
            <td>
              <FailureReason kind={message.failure_kind} text={message.error} />
            </td>
          </tr>
        )}
      />
    </div>
  );
}
