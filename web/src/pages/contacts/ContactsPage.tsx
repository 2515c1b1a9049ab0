import { useState } from 'react';
import { useCategoryChoices } from '../../api/categories';
import { useConsoleSettings } from '../../api/campaigns';
import { fetchBlob } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useContacts, useDeleteContact, useVerificationCounts, useVerifyContact, useVerifyContacts } from '../../api/contacts';
import type { ConsentFilter, Contact, WhatsAppFilter } from '../../api/types';
import { OptedOutBadge } from '../../components/OptedOutBadge';
import { RowDeleteButton } from '../../components/RowDeleteButton';
import { toast } from '../../components/toastStore';
import { NamedItemFilter } from '../../components/NamedItemFilter';
import { PagedTable, type TableColumn } from '../../components/PagedTable';
import { useErrorText } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { fullName } from '../../lib/contactName';
import { saveBlob } from '../../lib/download';
import { useDebounced } from '../../lib/useDebounced';
import { ContactFormDialog } from './ContactFormDialog';
import { ImportDialog } from './ImportDialog';
import { WhatsAppStatus } from './WhatsAppStatus';
import { ChoiceFilter } from '../../components/ChoiceFilter';
import { SearchField } from '../../components/SearchField';

const PAGE_SIZE = 25;
const WHATSAPP_FILTERS: WhatsAppFilter[] = ['verified', 'not_on_whatsapp', 'unverified'];
const CONSENT_FILTERS: ConsentFilter[] = ['subscribed', 'opted_out'];

function VerificationSummary() {
  const { t, formatNumber } = useI18n();
  const counts = useVerificationCounts();
  if (!counts.data) return null;
  const { total, verified, not_on_whatsapp: notOnWhatsApp, unverified } = counts.data;
  return (
    <p className="summary" data-testid="verification-counts">
      {t('contacts.verificationCounts', {
        total: formatNumber(total),
        verified: formatNumber(verified),
        notOnWhatsApp: formatNumber(notOnWhatsApp),
        unverified: formatNumber(unverified),
      })}
    </p>
  );
}

export default function ContactsPage() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim());
  const [categoryId, setCategoryId] = useState<number | null>(null);
  const [whatsapp, setWhatsapp] = useState<WhatsAppFilter | null>(null);
  const [consent, setConsent] = useState<ConsentFilter | null>(null);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<number[]>([]);
  const [editing, setEditing] = useState<Contact | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const [exporting, setExporting] = useState(false);

  const filters = { page, size: PAGE_SIZE, search, categoryId, whatsapp, consent };
  const contacts = useContacts(filters);
  const categories = useCategoryChoices();
  const categoryNames = new Map(categories.data?.items.map((category) => [category.id, category.name]));
  const remove = useDeleteContact((error) =>
    error instanceof ApiError && error.status === 409 ? t('contacts.deleteInRunningCampaign') : errorText(error),
  );
  const verifyOne = useVerifyContact();
  const verifyMany = useVerifyContacts();
  // Meta's Cloud API cannot check numbers: no verify buttons, nor the selection they act on.
  const canVerify = useConsoleSettings().data?.number_verification ?? true;

  function changeFilter(apply: () => void) {
    apply();
    setPage(1);
    setSelected([]);
  }

  async function exportCsv() {
    setExporting(true);
    const query = new URLSearchParams();
    if (search) query.set('search', search);
    if (categoryId !== null) query.set('category_id', String(categoryId));
    if (whatsapp) query.set('whatsapp', whatsapp);
    if (consent) query.set('consent', consent);
    try {
      saveBlob(await fetchBlob(`/api/v1/contacts/export?${query.toString()}`), 'contacts.csv');
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setExporting(false);
    }
  }

  const items = contacts.data?.items ?? [];
  const allOnPageSelected = items.length > 0 && items.every((contact) => selected.includes(contact.id));
  const selectColumn: TableColumn = {
    label: (
      <input
        type="checkbox"
        aria-label={t('contacts.selectPage')}
        checked={allOnPageSelected}
        onChange={(event) => setSelected(event.target.checked ? items.filter((contact) => contact.id > 0).map((contact) => contact.id) : [])}
      />
    ),
    className: 'cell-check',
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>{t('nav.contacts')}</h1>
        <div className="toolbar">
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setEditing(null);
              setFormOpen(true);
            }}
          >
            {t('contacts.new')}
          </button>
          <button type="button" className="button" onClick={() => setImportOpen(true)}>
            {t('contacts.import')}
          </button>
          <button type="button" className="button" onClick={() => void exportCsv()} disabled={exporting} aria-busy={exporting}>
            {t('contacts.export')}
          </button>
        </div>
      </div>
      <VerificationSummary />
      {!canVerify && (
        <p className="notice" data-testid="verification-unavailable">
          {t('contacts.verificationUnavailable')}
        </p>
      )}
      <div className="filters">
        <SearchField
          id="contacts-search"
          placeholder={t('contacts.searchPlaceholder')}
          value={searchText}
          onChange={(value) => changeFilter(() => setSearchText(value))}
        />
        <NamedItemFilter
          id="contacts-category"
          label={t('contacts.category')}
          value={categoryId}
          items={categories.data?.items}
          onChange={(value) => changeFilter(() => setCategoryId(value))}
        />
        <ChoiceFilter
          id="contacts-whatsapp"
          label={t('contacts.whatsapp')}
          value={whatsapp}
          choices={WHATSAPP_FILTERS}
          choiceLabel={(filter) => t(`whatsapp.${filter}`)}
          onChange={(value) => changeFilter(() => setWhatsapp(value))}
        />
        <ChoiceFilter
          id="contacts-consent"
          label={t('contacts.consent')}
          value={consent}
          choices={CONSENT_FILTERS}
          choiceLabel={(filter) => t(`consent.${filter}`)}
          onChange={(value) => changeFilter(() => setConsent(value))}
        />
      </div>
      {canVerify && selected.length > 0 && (
        <div className="selection-bar">
          <span>{t('contacts.selected', { count: selected.length })}</span>
          <button
            type="button"
            className="button"
            disabled={verifyMany.isPending}
            aria-busy={verifyMany.isPending}
            onClick={() =>
              verifyMany.mutate(selected, {
                onSuccess: (answer) => {
                  toast.success(t('contacts.verifyAccepted', { count: answer.accepted }));
                  setSelected([]);
                },
                onError: (error) => toast.error(errorText(error)),
              })
            }
          >
            {t('contacts.verifySelected')}
          </button>
        </div>
      )}
      <PagedTable
        query={contacts}
        emptyText={t('contacts.empty')}
        columns={[
          ...(canVerify ? [selectColumn] : []),
          { label: t('contacts.name') },
          { label: t('contacts.phone') },
          { label: t('contacts.categories') },
          { label: t('contacts.whatsapp') },
        ]}
        withActions
        paging={{ page, size: PAGE_SIZE, onPage: setPage }}
        row={(contact) => {
          const saving = contact.id < 0;
          const name = fullName(contact) || '—';
          return (
            <tr key={contact.id} className={saving ? 'row-pending' : undefined} aria-busy={saving}>
              {canVerify && (
                <td className="cell-check">
                  <input
                    type="checkbox"
                    aria-label={t('contacts.select', { name: fullName(contact) || contact.phone })}
                    disabled={saving}
                    checked={selected.includes(contact.id)}
                    onChange={(event) =>
                      setSelected((current) => (event.target.checked ? [...current, contact.id] : current.filter((id) => id !== contact.id)))
                    }
                  />
                </td>
              )}
              <td>
                {name} <OptedOutBadge optedOutAt={contact.opted_out_at} />
              </td>
              <td className="mono">{contact.phone}</td>
              <td>
                {contact.category_ids.map((id) => (
                  <span key={id} className="chip">
                    {categoryNames.get(id) ?? `#${id}`}
                  </span>
                ))}
              </td>
              <td>
                <WhatsAppStatus verified={contact.whatsapp_verified} />
              </td>
              <td className="cell-actions">
                <button
                  type="button"
                  className="button button-small"
                  disabled={saving}
                  onClick={() => {
                    setEditing(contact);
                    setFormOpen(true);
                  }}
                >
                  {t('common.edit')}
                </button>
                {canVerify && (
                  <button
                    type="button"
                    className="button button-small"
                    disabled={saving || (verifyOne.isPending && verifyOne.variables === contact.id)}
                    onClick={() => verifyOne.mutate(contact.id, { onError: (error) => toast.error(errorText(error)) })}
                  >
                    {t('contacts.verify')}
                  </button>
                )}
                <RowDeleteButton
                  title={t('contacts.deleteTitle')}
                  pending={saving || (remove.isPending && remove.variables === contact.id)}
                  onConfirm={() => remove.mutateAsync(contact.id)}
                >
                  {t('contacts.deleteBody', { name: fullName(contact) || contact.phone })}
                </RowDeleteButton>
              </td>
            </tr>
          );
        }}
      />
      <ContactFormDialog contact={editing} open={formOpen} onClose={() => setFormOpen(false)} />
      <ImportDialog open={importOpen} onClose={() => setImportOpen(false)} />
    </div>
  );
}
