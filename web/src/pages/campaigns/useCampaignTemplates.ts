// The editor's templates on the Meta provider: the catalog, Message 1's template and the
// Message 2 fallback as the operator edits them, what the preview shows of them, and the fields
// they add to the saved body. A template the operator has not touched is left out of an update,
// so the saved one stays as it is even when the catalog cannot be read.

import { useState } from 'react';
import { useTemplateCatalog } from '../../api/templates';
import type { CampaignInput, CatalogItem, TemplateMessage } from '../../api/types';
import { findCatalogItem, savedDraft, templateRequest, type TemplateDraft } from '../../lib/metaTemplate';
import type { TemplateShown } from './TemplateBubble';

const NO_TEMPLATES: readonly CatalogItem[] = [];

/** What the preview shows of a template: nothing while the catalog lacks it. */
export function shownTemplate(draft: TemplateDraft | null, catalog: readonly CatalogItem[]): TemplateShown | null {
  const item = draft ? findCatalogItem(catalog, draft.name, draft.language) : undefined;
  return draft && item ? { item, rows: draft.rows } : null;
}

/** One template of the campaign: the saved one until the operator changes it. */
function useTemplateDraft(saved: TemplateMessage | null | undefined, catalog: readonly CatalogItem[]) {
  const [edited, setEdited] = useState<TemplateDraft | null | undefined>(undefined);
  const draft = edited === undefined ? savedDraft(saved, catalog) : edited;
  return { draft, shown: shownTemplate(draft, catalog), saved, touched: edited !== undefined, setDraft: setEdited };
}

export type CampaignTemplate = ReturnType<typeof useTemplateDraft>;

export function useCampaignTemplates(
  saved: { message_1_template?: TemplateMessage | null; message_2_template?: TemplateMessage | null } | null,
  enabled: boolean,
) {
  const catalogQuery = useTemplateCatalog(enabled);
  const catalog = catalogQuery.data ?? NO_TEMPLATES;
  const message1 = useTemplateDraft(saved?.message_1_template, catalog);
  const message2 = useTemplateDraft(saved?.message_2_template, catalog);

  // The body's template fields: each one on a new campaign, a changed one on an update.
  const changed = (template: CampaignTemplate) => saved === null || template.touched;
  function message1Fields(): Pick<CampaignInput, 'message_1_template'> {
    return changed(message1) ? { message_1_template: templateRequest(message1.draft, catalog) } : {};
  }
  function message2Fields(): Pick<CampaignInput, 'message_2_template'> {
    return changed(message2) ? { message_2_template: templateRequest(message2.draft, catalog) } : {};
  }

  return { catalogQuery, catalog, message1, message2, message1Fields, message2Fields };
}
