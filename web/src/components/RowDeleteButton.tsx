// The "Delete" button of a table row, which asks for confirmation before deleting.

import type { ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { ConfirmButton } from './ConfirmButton';

interface RowDeleteButtonProps {
  /** The title of the confirmation dialog. */
  title: string;
  /** What the confirmation dialog says will be deleted. */
  children: ReactNode;
  pending: boolean;
  onConfirm: () => Promise<unknown>;
}

export function RowDeleteButton({ title, children, pending, onConfirm }: RowDeleteButtonProps) {
  const { t } = useI18n();
  return (
    <ConfirmButton
      label={t('common.delete')}
      title={title}
      confirmLabel={t('common.delete')}
      className="button button-small button-danger"
      danger
      pending={pending}
      onConfirm={onConfirm}
    >
      {children}
    </ConfirmButton>
  );
}
