// A provider or engine failure in plain words, with the original text kept for support.

import { useI18n } from '../i18n/I18nProvider';
import { providerErrorKind } from '../lib/providerErrors';

export function FailureReason({ text }: { text: string | null | undefined }) {
  const { t } = useI18n();
  if (!text) return <span className="muted">—</span>;
  const kind = providerErrorKind(text);
  if (!kind) return <span>{text}</span>;
  return (
    <span className="failure">
      <span>{t(`providerError.${kind}`)}</span>
      <small className="muted mono">{text}</small>
    </span>
  );
}
