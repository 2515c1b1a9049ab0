// A campaign's WhatsApp template on the Meta provider (SPEC §7): the placeholders of a catalog
// template, the operator's mapping of each to a contact field or a fixed text, the request body
// built from that mapping, and the preview of what a contact reads.
//
// Placeholders are `{{1}}`, `{{2}}`… in a positional template and `{{first_name}}`-style names in
// a named one. Meta fills a positional `{{n}}` with the n-th parameter of its component, so the
// rows of a positional template are in numeric order, whatever order the text uses them in.

import type { CatalogItem, ParameterFormat, ParameterSource, TemplateComponent, TemplateMessage, TemplateParameter } from '../api/types';
import type { Recipient } from './template';

/** Where a parameter's value can come from, in the order the editor offers them. */
export const PARAMETER_SOURCES = ['first_name', 'last_name', 'phone', 'text'] as const satisfies readonly ParameterSource[];

/** One placeholder of a template and what fills it. */
export interface MappingRow {
  component: TemplateComponent;
  /** The placeholder without braces: `1`, `2`… or a name. */
  placeholder: string;
  source: ParameterSource;
  /** The fixed value (source `text`), or the fallback sent when the contact's field is empty. */
  text: string;
}

/** A template chosen in the editor: which one, and its mapping rows. */
export interface TemplateDraft {
  name: string;
  language: string;
  rows: MappingRow[];
}

// Meta's placeholders: a name of letters, digits and underscores between double braces (spaces
// inside the braces are tolerated, as the server's reader does).
const PLACEHOLDER_PATTERN = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/**
 * The distinct placeholders of `text`: for a positional template in numeric order (the order
 * Meta fills them in), for a named one in order of first appearance.
 */
export function templatePlaceholders(text: string | null | undefined, format: ParameterFormat): string[] {
  if (!text) return [];
  const found = [...new Set(Array.from(text.matchAll(PLACEHOLDER_PATTERN), (match) => match[1] ?? ''))];
  return format === 'positional' ? found.sort((a, b) => Number(a) - Number(b)) : found;
}

/** Every placeholder of a catalog template, the header's first, as unmapped rows. */
function emptyRows(item: CatalogItem): MappingRow[] {
  const of = (component: TemplateComponent, text: string | null | undefined) =>
    templatePlaceholders(text, item.parameter_format).map((placeholder) => ({ component, placeholder, source: 'text' as const, text: '' }));
  return [...of('header', item.header_text), ...of('body', item.body_text)];
}

/** The saved parameter that fills `row`: by name in a named template, by rank in a positional one. */
function savedParameter(row: MappingRow, rank: number, saved: readonly TemplateParameter[], format: ParameterFormat) {
  const ofComponent = saved.filter((parameter) => (parameter.component ?? 'body') === row.component);
  return format === 'named' ? ofComponent.find((parameter) => parameter.name === row.placeholder) : ofComponent[rank];
}

/**
 * The rows of a catalog template, filled from a saved campaign's parameters where they match
 * (a template edited in Meta since keeps what still applies).
 */
export function mappingRows(item: CatalogItem, saved?: TemplateMessage | null): MappingRow[] {
  const rows = emptyRows(item);
  if (!saved || saved.name !== item.name || saved.language !== item.language) return rows;
  const parameters = saved.parameters ?? [];
  const ranks = { header: 0, body: 0 };
  return rows.map((row) => {
    const parameter = savedParameter(row, ranks[row.component]++, parameters, item.parameter_format);
    return parameter ? { ...row, source: parameter.source, text: parameter.text ?? '' } : row;
  });
}

/** The request's `message_N_template` for a template and its rows. */
export function templateMessage(draft: TemplateDraft, format: ParameterFormat): TemplateMessage {
  return {
    name: draft.name,
    language: draft.language,
    parameters: draft.rows.map((row) => {
      const parameter: TemplateParameter = { component: row.component, source: row.source };
      if (format === 'named') parameter.name = row.placeholder;
      // A fallback left empty is no fallback; a fixed text is kept as typed (the server refuses
      // an empty one and says so).
      if (row.source === 'text' || row.text.trim() !== '') parameter.text = row.text;
      return parameter;
    }),
  };
}

/** Rows whose value can never be sent: a fixed text left empty. */
export function emptyFixedTexts(rows: readonly MappingRow[]): MappingRow[] {
  return rows.filter((row) => row.source === 'text' && row.text.trim() === '');
}

/** The value a row gives one contact, as the server renders it; `null` when it gives none. */
export function rowValue(row: MappingRow, recipient: Recipient): string | null {
  const fallback = row.text.trim() === '' ? null : row.text;
  if (row.source === 'text') return fallback;
  const field = recipient[row.source]?.trim();
  return field ? field : fallback;
}

/**
 * `text` (a header or body of the catalog) as `recipient` reads it; a placeholder without a value
 * stays as written, so the operator sees what is missing.
 */
export function renderTemplateText(
  text: string,
  component: TemplateComponent,
  rows: readonly MappingRow[],
  recipient: Recipient,
): string {
  return text.replace(PLACEHOLDER_PATTERN, (whole, placeholder: string) => {
    const row = rows.find((candidate) => candidate.component === component && candidate.placeholder === placeholder);
    return (row && rowValue(row, recipient)) ?? whole;
  });
}

/** The catalog's entry for a template (same name and language), if it has one. */
export function findCatalogItem(catalog: readonly CatalogItem[], name: string, language: string): CatalogItem | undefined {
  return catalog.find((item) => item.name === name && item.language === language);
}

/** The key an option of the template select carries: name and language together. */
export function catalogKey(item: { name: string; language: string }): string {
  return `${item.name}\u0000${item.language}`;
}

/** Only approved templates can be sent (Meta refuses the others). */
export function isSendable(item: CatalogItem): boolean {
  return item.status === 'approved';
}

/** A campaign's saved template as the editor starts from it (no rows when the catalog lacks it). */
export function savedDraft(saved: TemplateMessage | null | undefined, catalog: readonly CatalogItem[]): TemplateDraft | null {
  if (!saved) return null;
  const item = findCatalogItem(catalog, saved.name, saved.language);
  return { name: saved.name, language: saved.language, rows: item ? mappingRows(item, saved) : [] };
}

/** The request's template for a draft (`null`: none), in the format its catalog entry says. */
export function templateRequest(draft: TemplateDraft | null, catalog: readonly CatalogItem[]): TemplateMessage | null {
  if (!draft) return null;
  const format = findCatalogItem(catalog, draft.name, draft.language)?.parameter_format ?? 'positional';
  return templateMessage(draft, format);
}
