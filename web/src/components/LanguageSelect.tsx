// The language switch: a select labelled for screen readers only.

import { useI18n } from '../i18n/I18nProvider';
import { LANGUAGES, type Language } from '../i18n/language';

export function LanguageSelect({ className }: { className?: string }) {
  const { t, language, setLanguage } = useI18n();
  return (
    <label className={className}>
      <span className="visually-hidden">{t('nav.language')}</span>
      <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code}>
            {code.toUpperCase()}
          </option>
        ))}
      </select>
    </label>
  );
}
