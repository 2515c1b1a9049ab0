// Why a send failed in plain words, from its kind, with the provider's or engine's own text kept
// for support.

import type { FailureKind } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { failureKindText } from '../lib/failureKinds';

export function FailureReason({ kind, text }: { kind: FailureKind | null | undefined; text: string | null | undefined }) {
  const { t } = useI18n();
  if (!kind) return text ? <span>{text}</span> : <span className="muted">—</span>;
  const { name, explanation } = failureKindText(kind);
  return (
    <span className="failure" data-failure-kind={kind}>
      <strong>{t(name)}</strong>
      <span>{t(explanation)}</span>
      {text && <small className="muted mono">{text}</small>}
    </span>
  );
}
