// Which template a campaign sends (Meta provider): its name and language, shown in the
// campaign's message cards.

import type { TemplateMessage } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';

export function TemplateSummary({ label, template, testId }: { label: string; template: TemplateMessage; testId: string }) {
  const { t } = useI18n();
  return (
    <p data-testid={testId}>
      <strong>{label}:</strong> <code>{t('campaigns.templateOption', { name: template.name, language: template.language })}</code>
    </p>
  );
}
