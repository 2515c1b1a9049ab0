// Loading, empty and error states, the same on every screen.

import { ApiError, errorMessage } from '../api/errors';
import { useI18n } from '../i18n/I18nProvider';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="state state-loading" role="status">
      {t('common.loading')}
    </p>
  );
}

export function Empty({ text }: { text: string }) {
  return <p className="state state-empty">{text}</p>;
}

/** The message of an error as the API worded it; a lost connection in the operator's language. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useI18n();
  return (error) =>
    error instanceof ApiError && error.code === 'network' ? t('errors.network') : errorMessage(error, t('errors.unknown'));
}

export function ErrorNote({ error }: { error: unknown }) {
  const errorText = useErrorText();
  return (
    <p className="state state-error" role="alert">
      {errorText(error)}
    </p>
  );
}
