// A template message in the preview chat: its header in bold above its body, both rendered for
// the preview's contact with the operator's mapping.

import type { CatalogItem } from '../../api/types';
import type { Recipient } from '../../lib/template';
import { renderTemplateText, type MappingRow } from '../../lib/metaTemplate';
import '../../components/metaProvider.css';

/** A template to preview: its catalog entry and the rows filling it. */
export interface TemplateShown {
  item: CatalogItem;
  rows: readonly MappingRow[];
}

export function TemplateBubble({ template, recipient, testId }: { template: TemplateShown; recipient: Recipient; testId: string }) {
  const { item, rows } = template;
  return (
    <div className="bubble bubble-out" data-testid={testId}>
      {item.header_text && <strong className="bubble-header">{renderTemplateText(item.header_text, 'header', rows, recipient)}</strong>}
      {renderTemplateText(item.body_text, 'body', rows, recipient)}
    </div>
  );
}
