// A catalog template's review status and category as pills (Meta provider, SPEC §7).

import type { TemplateCategory, TemplateStatus } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import './metaProvider.css';

export function TemplateStatusBadge({ status }: { status: TemplateStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge-template-${status}`}>{t(`templateStatus.${status}`)}</span>;
}

export function TemplateCategoryBadge({ category }: { category: TemplateCategory }) {
  const { t } = useI18n();
  return <span className="badge badge-category">{t(`templateCategory.${category}`)}</span>;
}
