// The select of a catalog template (laid out by its parent's `template-choice` row): every template as "name · language", with its category and
// status; only approved ones can be chosen, the others are listed disabled so the operator sees
// why a template they expect is not offered. The chosen one's badges show beside it.

import type { CatalogItem } from '../../api/types';
import { TemplateCategoryBadge, TemplateStatusBadge } from '../../components/TemplateBadges';
import { useI18n } from '../../i18n/I18nProvider';
import { catalogKey, findCatalogItem, isSendable } from '../../lib/metaTemplate';

interface TemplatePickerProps {
  id: string;
  /** The select's accessible name (the field's legend). */
  label: string;
  catalog: readonly CatalogItem[];
  /** The chosen template, possibly one the catalog no longer holds. */
  chosen: { name: string; language: string } | null;
  onChoose: (item: CatalogItem | null) => void;
  /** What the empty choice says: "choose" for a required template, "none" for an optional one. */
  emptyLabel: string;
  describedBy?: string;
  invalid: boolean;
}

export function TemplatePicker({ id, label, catalog, chosen, onChoose, emptyLabel, describedBy, invalid }: TemplatePickerProps) {
  const { t } = useI18n();
  const chosenItem = chosen ? findCatalogItem(catalog, chosen.name, chosen.language) : undefined;
  const optionText = (item: CatalogItem) => {
    const label = `${t('campaigns.templateOption', { name: item.name, language: item.language })} — ${t(`templateCategory.${item.category}`)}`;
    return isSendable(item) ? label : `${label} · ${t(`templateStatus.${item.status}`)}`;
  };
  return (
    <>
      <select
        id={id}
        aria-label={label}
        value={chosen ? catalogKey(chosen) : ''}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(event) => onChoose(catalog.find((item) => catalogKey(item) === event.target.value) ?? null)}
      >
        <option value="">{emptyLabel}</option>
        {chosen && !chosenItem && (
          <option value={catalogKey(chosen)} disabled>
            {t('campaigns.templateOption', { name: chosen.name, language: chosen.language })}
          </option>
        )}
        {catalog.map((item) => (
          <option key={catalogKey(item)} value={catalogKey(item)} disabled={!isSendable(item)}>
            {optionText(item)}
          </option>
        ))}
      </select>
      {chosenItem && (
        <span data-testid={`${id}-badges`}>
          <TemplateCategoryBadge category={chosenItem.category} /> <TemplateStatusBadge status={chosenItem.status} />
        </span>
      )}
    </>
  );
}
