import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useCategories, useCreateCategory, useDeleteCategory } from '../../api/categories';
import { RowDeleteButton } from '../../components/RowDeleteButton';
import { PagedTable } from '../../components/PagedTable';
import { useI18n } from '../../i18n/I18nProvider';
import { useDebounced } from '../../lib/useDebounced';
import { SearchField } from '../../components/SearchField';

const PAGE_SIZE = 25;
const DEFAULT_COLOR = '#2563eb';

function NewCategoryForm() {
  const { t } = useI18n();
  const create = useCreateCategory();
  const [name, setName] = useState('');
  const [color, setColor] = useState(DEFAULT_COLOR);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ name: name.trim(), color });
    setName('');
  }

  return (
    <form className="card inline-form" onSubmit={submit} aria-label={t('categories.new')}>
      <div className="field">
        <label htmlFor="category-name">{t('categories.name')}</label>
        <input id="category-name" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="category-color">{t('categories.color')}</label>
        <input id="category-color" type="color" value={color} onChange={(event) => setColor(event.target.value)} />
      </div>
      <button type="submit" className="button button-primary">
        {t('categories.create')}
      </button>
    </form>
  );
}

export default function CategoriesPage() {
  const { t, formatNumber } = useI18n();
  const [page, setPage] = useState(1);
  const [searchText, setSearchText] = useState('');
  const search = useDebounced(searchText.trim());
  const categories = useCategories(page, PAGE_SIZE, search);
  const remove = useDeleteCategory();

  return (
    <div className="stack">
      <h1>{t('nav.categories')}</h1>
      <NewCategoryForm />
      <div className="filters">
        <SearchField
          id="categories-search"
          value={searchText}
          onChange={(value) => {
            setSearchText(value);
            setPage(1);
          }}
        />
      </div>
      <PagedTable
        query={categories}
        emptyText={t('categories.none')}
        columns={[{ label: t('categories.name') }, { label: t('categories.contacts'), className: 'cell-number' }]}
        withActions
        paging={{ page, size: PAGE_SIZE, onPage: setPage }}
        row={(category) => {
          const saving = category.id < 0;
          return (
            <tr key={category.id} className={saving ? 'row-pending' : undefined} aria-busy={saving}>
              <td>
                <span className="swatch" style={{ backgroundColor: category.color ?? undefined }} aria-hidden="true" />
                {saving ? category.name : <Link href={`/categories/${category.id}`}>{category.name}</Link>}
              </td>
              <td className="cell-number">{formatNumber(category.contact_count)}</td>
              <td className="cell-actions">
                <RowDeleteButton
                  title={t('categories.deleteTitle')}
                  pending={saving || (remove.isPending && remove.variables === category.id)}
                  onConfirm={() => remove.mutateAsync(category.id)}
                >
                  {t('categories.deleteBody', { name: category.name })}
                </RowDeleteButton>
              </td>
            </tr>
          );
        }}
      />
    </div>
  );
}
