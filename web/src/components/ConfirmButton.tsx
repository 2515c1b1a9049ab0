// An action behind a confirmation: the button opens a dialog, the dialog runs the action, and
// both stay disabled while its request is in flight, so one click is one request.

import { useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { Dialog } from './Dialog';

interface ConfirmButtonProps {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  pending: boolean;
  disabled?: boolean;
  danger?: boolean;
  className?: string;
}

export function ConfirmButton({ label, title, children, confirmLabel, onConfirm, pending, disabled, danger, className }: ConfirmButtonProps) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const buttonClass = danger ? 'button button-danger' : 'button button-primary';
  return (
    <>
      <button type="button" className={className ?? buttonClass} disabled={pending || disabled} aria-busy={pending} onClick={() => setOpen(true)}>
        {label}
      </button>
      <Dialog title={title} open={open} onClose={() => setOpen(false)}>
        <div className="dialog-body">{children}</div>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setOpen(false)}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            className={buttonClass}
            disabled={pending}
            aria-busy={pending}
            onClick={() => {
              setOpen(false);
              void onConfirm().catch(() => undefined);
            }}
          >
            {confirmLabel}
          </button>
        </div>
      </Dialog>
    </>
  );
}
