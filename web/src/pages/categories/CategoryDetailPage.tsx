// One category: rename/recolour, its members page by page, add contacts found by search,
// remove members.

import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useAddCategoryMembers, useCategory, useRemoveCategoryMember, useUpdateCategory } from '../../api/categories';
import { useContacts } from '../../api/contacts';
import type { Category, Contact } from '../../api/types';
import { OptedOutBadge } from '../../components/OptedOutBadge';
import { Pagination } from '../../components/Pagination';
import { QueryStates, hasNoItems } from '../../components/QueryStates';
import { ErrorNote, Loading, useErrorText } from '../../components/States';
import { toast } from '../../components/toastStore';
import { useI18n } from '../../i18n/I18nProvider';
import { fullName } from '../../lib/contactName';
import { useDebounced } from '../../lib/useDebounced';

const PAGE_SIZE = 20;
const SEARCH_RESULTS = 10;

/** A contact in a list row: its name, then its phone number. */
function ContactNameAndPhone({ contact }: { contact: Contact }) {
  return (
    <span>
      {fullName(contact) || '—'} <span className="mono muted">{contact.phone}</span> <OptedOutBadge optedOutAt={contact.opted_out_at} />
    </span>
  );
}

function CategorySettings({ category }: { category: Category }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const update = useUpdateCategory();
  const [name, setName] = useState(category.name);
  const [color, setColor] = useState(category.color ?? '#2563eb');

  function submit(event: FormEvent) {
    event.preventDefault();
    update.mutate(
      { id: category.id, input: { name: name.trim(), color } },
      { onSuccess: () => toast.success(t('common.saved')), onError: (error) => toast.error(errorText(error)) },
    );
  }

  return (
    <form className="card inline-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor="category-edit-name">{t('categories.name')}</label>
        <input id="category-edit-name" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="category-edit-color">{t('categories.color')}</label>
        <input id="category-edit-color" type="color" value={color} onChange={(event) => setColor(event.target.value)} />
      </div>
      <button type="submit" className="button button-primary" disabled={update.isPending} aria-busy={update.isPending}>
        {t('common.save')}
      </button>
    </form>
  );
}

function AddMembers({ categoryId }: { categoryId: number }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim());
  const found = useContacts({ page: 1, size: SEARCH_RESULTS, search, categoryId: null, whatsapp: null, consent: null });
  const add = useAddCategoryMembers(categoryId);
  const candidates = search ? (found.data?.items ?? []).filter((contact) => !contact.category_ids.includes(categoryId)) : [];

  return (
    <section className="card">
      <h2>{t('categories.addMembers')}</h2>
      <div className="field">
        <label htmlFor="member-search">{t('categories.findContact')}</label>
        <input id="member-search" type="search" value={searchText} onChange={(event) => setSearchText(event.target.value)} />
      </div>
      {candidates.length > 0 && (
        <ul className="plain-list">
          {candidates.map((contact) => (
            <li key={contact.id} className="list-row">
              <ContactNameAndPhone contact={contact} />
              <button
                type="button"
                className="button button-small"
                disabled={add.isPending}
                onClick={() =>
                  add.mutate([contact.id], {
                    onSuccess: () => toast.success(t('categories.added', { name: fullName(contact) || contact.phone })),
                    onError: (error) => toast.error(errorText(error)),
                  })
                }
              >
                {t('categories.add')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {search && found.isSuccess && candidates.length === 0 && <p className="muted">{t('categories.noCandidates')}</p>}
    </section>
  );
}

export default function CategoryDetailPage({ id }: { id: number }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [page, setPage] = useState(1);
  const category = useCategory(id);
  const members = useContacts({ page, size: PAGE_SIZE, search: '', categoryId: id, whatsapp: null, consent: null });
  const removeMember = useRemoveCategoryMember(id);

  if (category.isPending) return <Loading />;
  if (category.isError) return <ErrorNote error={category.error} />;

  return (
    <div className="stack">
      <p>
        <Link href="/categories">← {t('nav.categories')}</Link>
      </p>
      <h1>
        <span className="swatch swatch-large" style={{ backgroundColor: category.data.color ?? undefined }} aria-hidden="true" />
        {category.data.name}
      </h1>
      <CategorySettings key={category.data.updated_at} category={category.data} />
      <div className="grid-2">
        <section className="card">
          <h2>{t('categories.members', { count: category.data.contact_count })}</h2>
          <QueryStates query={members} isEmpty={hasNoItems} emptyText={t('categories.noMembers')}>
            {(data) => (
              <>
                <ul className="plain-list">
                  {data.items.map((contact) => (
                    <li key={contact.id} className="list-row">
                      <ContactNameAndPhone contact={contact} />
                      <button
                        type="button"
                        className="button button-small"
                        disabled={removeMember.isPending && removeMember.variables === contact.id}
                        onClick={() => removeMember.mutate(contact.id, { onError: (error) => toast.error(errorText(error)) })}
                      >
                        {t('categories.remove')}
                      </button>
                    </li>
                  ))}
                </ul>
                <Pagination page={page} size={PAGE_SIZE} total={data.total} onPage={setPage} />
              </>
            )}
          </QueryStates>
        </section>
        <AddMembers categoryId={id} />
      </div>
    </div>
  );
}
