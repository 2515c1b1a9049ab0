// Checkboxes of every category, for a contact's memberships or a campaign's audience.

import { useCategoryChoices } from '../api/categories';
import { useI18n } from '../i18n/I18nProvider';
import { ErrorNote, Loading } from './States';

interface CategoryPickerProps {
  legend: string;
  selected: number[];
  onChange: (selected: number[]) => void;
  error?: string | null;
  errorId?: string;
}

export function CategoryPicker({ legend, selected, onChange, error, errorId }: CategoryPickerProps) {
  const { t, formatNumber } = useI18n();
  const categories = useCategoryChoices();
  const toggle = (id: number, checked: boolean) =>
    onChange(checked ? [...selected, id] : selected.filter((chosen) => chosen !== id));
  return (
    <fieldset className="field category-picker" aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {categories.isPending ? (
        <Loading />
      ) : categories.isError ? (
        <ErrorNote error={categories.error} />
      ) : categories.data.items.length === 0 ? (
        <p className="muted">{t('categories.none')}</p>
      ) : (
        <div className="checkbox-grid">
          {categories.data.items.map((category) => (
            <label key={category.id} className="checkbox">
              <input type="checkbox" checked={selected.includes(category.id)} onChange={(event) => toggle(category.id, event.target.checked)} />
              <span className="swatch" style={{ backgroundColor: category.color ?? undefined }} aria-hidden="true" />
              <span>
                {category.name} <span className="muted">({formatNumber(category.contact_count)})</span>
              </span>
            </label>
          ))}
        </div>
      )}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
