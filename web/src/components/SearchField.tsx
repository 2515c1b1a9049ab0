// The search box of a listing's filters.

import { useI18n } from '../i18n/I18nProvider';

interface SearchFieldProps {
  id: string;
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
}

export function SearchField({ id, value, placeholder, onChange }: SearchFieldProps) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{t('common.search')}</label>
      <input id={id} type="search" placeholder={placeholder} value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}
