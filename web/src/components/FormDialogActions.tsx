// The cancel and submit buttons at the foot of a dialog's form.

import { useI18n } from '../i18n/I18nProvider';

interface FormDialogActionsProps {
  submitLabel: string;
  pending: boolean;
  onCancel: () => void;
}

export function FormDialogActions({ submitLabel, pending, onCancel }: FormDialogActionsProps) {
  const { t } = useI18n();
  return (
    <div className="dialog-actions">
      <button type="button" className="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="button button-primary" disabled={pending} aria-busy={pending}>
        {submitLabel}
      </button>
    </div>
  );
}
