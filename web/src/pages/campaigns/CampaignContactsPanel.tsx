// The contacts behind one funnel bar, page by page, each linked to its journey in the Temporal
// UI; the whole list can be saved as CSV (fetched a page at a time). A bar standing for several
// journey states (those not yet final) lists one state at a time, chosen above the table.

import { useState } from 'react';
import { fetchCampaignContacts, useCampaignContacts, useConsoleSettings } from '../../api/campaigns';
import type { CampaignContact } from '../../api/types';
import { FailureReason } from '../../components/FailureReason';
import { PagedTable } from '../../components/PagedTable';
import { useErrorText } from '../../components/States';
import { StatusBadge } from '../../components/StatusBadge';
import { toast } from '../../components/toastStore';
import { useI18n } from '../../i18n/I18nProvider';
import { fullName } from '../../lib/contactName';
import { toCsv } from '../../lib/csv';
import { saveCsv } from '../../lib/download';
import { funnelFileName, funnelQuery, type FunnelFilter } from '../../lib/funnel';
import { fetchAllPages } from '../../lib/pages';
import { journeyUrl } from '../../lib/temporalLink';

const PAGE_SIZE = 20;

interface CampaignContactsPanelProps {
  campaignId: number;
  title: string;
  filter: FunnelFilter;
  running: boolean;
}

function contactsCsv(contacts: CampaignContact[]): string {
  return toCsv(
    ['contact_id', 'phone', 'first_name', 'last_name', 'state', 'message_1_status', 'message_2_status', 'message_1_sent_at', 'first_interaction_at', 'failure_reason', 'failure_kind'],
    contacts.map((contact) => [
      contact.contact_id,
      contact.phone,
      contact.first_name,
      contact.last_name,
      contact.state,
      contact.message_1_status,
      contact.message_2_status,
      contact.message_1_sent_at,
      contact.first_interaction_at,
      contact.failure_reason,
      contact.failure_kind,
    ]),
  );
}

export function CampaignContactsPanel({ campaignId, title, filter, running }: CampaignContactsPanelProps) {
  const { t, formatDateTime, formatNumber } = useI18n();
  const errorText = useErrorText();
  const [page, setPage] = useState(1);
  const [stateIndex, setStateIndex] = useState(0);
  const [exported, setExported] = useState<{ fetched: number; total: number } | null>(null);
  const query = funnelQuery(filter, stateIndex);
  const contacts = useCampaignContacts(campaignId, query, page, PAGE_SIZE, running);
  const settings = useConsoleSettings();

  async function exportCsv() {
    setExported({ fetched: 0, total: contacts.data?.total ?? 0 });
    try {
      const all = await fetchAllPages(
        (pageNumber, size) => fetchCampaignContacts(campaignId, query, pageNumber, size),
        (fetched, total) => setExported({ fetched, total }),
      );
      saveCsv(contactsCsv(all), funnelFileName(campaignId, query));
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setExported(null);
    }
  }

  const temporal = settings.data;

  return (
    <section className="card stack" aria-label={title} data-testid="campaign-contacts">
      <div className="page-head">
        <h2>{title}</h2>
        <button type="button" className="button" disabled={exported !== null || !contacts.data?.total} aria-busy={exported !== null} onClick={() => void exportCsv()}>
          {exported
            ? t('campaigns.exporting', { fetched: formatNumber(exported.fetched), total: formatNumber(exported.total) })
            : t('campaigns.exportCsv')}
        </button>
      </div>
      {filter.kind === 'states' && filter.states.length > 1 && (
        <div className="field field-inline">
          <label htmlFor="campaign-contacts-state">{t('campaigns.journeyState')}</label>
          <select
            id="campaign-contacts-state"
            value={stateIndex}
            onChange={(event) => {
              setStateIndex(Number(event.target.value));
              setPage(1);
            }}
          >
            {filter.states.map((state, index) => (
              <option key={state} value={index}>
                {t(`status.${state}`)}
              </option>
            ))}
          </select>
        </div>
      )}
      <PagedTable
        query={contacts}
        emptyText={t('campaigns.noContacts')}
        columns={[
          { label: t('contacts.name') },
          { label: t('contacts.phone') },
          { label: t('campaigns.journeyState') },
          { label: t('messageType.message_1') },
          { label: t('messageType.message_2') },
          { label: t('campaigns.firstInteraction') },
          { label: t('campaigns.failure') },
          { label: t('campaigns.journey') },
        ]}
        paging={{ page, size: PAGE_SIZE, onPage: setPage }}
        row={(contact) => {
          const link = temporal ? journeyUrl(temporal.temporal_ui_url, temporal.temporal_namespace, campaignId, contact.contact_id) : null;
          return (
            <tr key={contact.contact_id}>
              <td>{fullName(contact) || '—'}</td>
              <td className="mono">{contact.phone}</td>
              <td>
                <StatusBadge status={contact.state} />
              </td>
              <td>{contact.message_1_status ? <StatusBadge status={contact.message_1_status} /> : '—'}</td>
              <td>{contact.message_2_status ? <StatusBadge status={contact.message_2_status} /> : '—'}</td>
              <td>{formatDateTime(contact.first_interaction_at)}</td>
              <td>
                <FailureReason kind={contact.failure_kind} text={contact.failure_reason} />
              </td>
              <td>
                {link ? (
                  <a href={link} target="_blank" rel="noreferrer noopener">
                    {t('campaigns.openInTemporal')}
                  </a>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          );
        }}
      />
    </section>
  );
}
