// A filter select over named items fetched from the API (campaigns, categories…), with an "all"
// choice meaning no filter.

import { useI18n } from '../i18n/I18nProvider';

interface NamedItem {
  id: number;
  name: string;
}

interface NamedItemFilterProps {
  id: string;
  label: string;
  value: number | null;
  /** Undefined while the items are loading: only "all" is offered then. */
  items: readonly NamedItem[] | undefined;
  onChange: (value: number | null) => void;
}

export function NamedItemFilter({ id, label, value, items, onChange }: NamedItemFilterProps) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(event) => onChange(event.target.value ? Number(event.target.value) : null)}>
        <option value="">{t('common.all')}</option>
        {items?.map((item) => (
          <option key={item.id} value={item.id}>
            {item.name}
          </option>
        ))}
      </select>
    </div>
  );
}
