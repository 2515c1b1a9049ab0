// The header of a table's actions column, named for screen readers only.

import { useI18n } from '../i18n/I18nProvider';

export function ActionsColumnHeader() {
  const { t } = useI18n();
  return (
    <th scope="col">
      <span className="visually-hidden">{t('common.actions')}</span>
    </th>
  );
}
