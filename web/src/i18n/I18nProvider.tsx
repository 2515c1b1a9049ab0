import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { translate, type MessageKey, type MessageVars } from './dictionary';
import { initialLanguage, LANGUAGE_STORAGE_KEY, type Language } from './language';

interface I18n {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, vars?: MessageVars) => string;
  formatNumber: (value: number, options?: Intl.NumberFormatOptions) => string;
  formatDateTime: (iso: string | null | undefined) => string;
}

const I18nContext = createContext<I18n | null>(null);

function savedLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(() => initialLanguage(savedLanguage(), navigator.languages ?? [navigator.language]));

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(LANGUAGE_STORAGE_KEY, next);
    } catch {
      // Storage refused (private mode): the choice lasts for this visit only.
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const locale = language === 'fr' ? 'fr-FR' : 'en-GB';
    const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
    // Building an Intl.NumberFormat costs far more than formatting with one: one per options.
    const numberFormats = new Map<string, Intl.NumberFormat>();
    const numberFormat = (options?: Intl.NumberFormatOptions) => {
      const key = JSON.stringify(options ?? {});
      let format = numberFormats.get(key);
      if (!format) {
        format = new Intl.NumberFormat(locale, options);
        numberFormats.set(key, format);
      }
      return format;
    };
    return {
      language,
      setLanguage,
      t: (key, vars) => translate(language, key, vars),
      formatNumber: (number, options) => numberFormat(options).format(number),
      formatDateTime: (iso) => (iso ? dateTime.format(new Date(iso)) : '—'),
    };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const context = useContext(I18nContext);
  if (!context) throw new Error('useI18n outside I18nProvider');
  return context;
}
