import { useI18n } from '../i18n/I18nProvider';
import { dismissToast, useToasts } from './toastStore';

export function Toasts() {
  const { t } = useI18n();
  const toasts = useToasts();
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast-${toast.kind}`} data-testid={`toast-${toast.kind}`}>
          <span>{toast.text}</span>
          <button type="button" className="link-button" onClick={() => dismissToast(toast.id)} aria-label={t('common.dismiss')}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
