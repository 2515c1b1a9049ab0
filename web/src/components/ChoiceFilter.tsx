// A filter select over a fixed set of values, with an "all" choice meaning no filter.

import { useI18n } from '../i18n/I18nProvider';

interface ChoiceFilterProps<T extends string> {
  id: string;
  label: string;
  value: T | null;
  choices: readonly T[];
  choiceLabel: (choice: T) => string;
  onChange: (value: T | null) => void;
}

export function ChoiceFilter<T extends string>({ id, label, value, choices, choiceLabel, onChange }: ChoiceFilterProps<T>) {
  const { t } = useI18n();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(event) => onChange((event.target.value || null) as T | null)}>
        <option value="">{t('common.all')}</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choiceLabel(choice)}
          </option>
        ))}
      </select>
    </div>
  );
}
