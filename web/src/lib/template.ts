// Message personalisation as the server does it (SPEC R18, domain/src/template.rs): a placeholder
// is `{` + lowercase identifier + `}`; any other brace is literal text. Which names are known is
// the server's to say (`GET /console/settings` → `placeholders`), so every function here takes
// that list.

/** Longest text WhatsApp accepts, in Unicode characters (code points, as the server counts). */
export const MAX_TEXT_CHARS = 4096;

/** A contact as templates see it: placeholder names are its fields. */
export interface Recipient {
  first_name?: string | null;
  last_name?: string | null;
  phone: string;
}

const PLACEHOLDER_PATTERN = /\{([a-z0-9_]+)\}/g;

/** Characters as the server counts them: an emoji is one, not two UTF-16 units. */
export function charCount(text: string): number {
  return Array.from(text).length;
}

/** Every placeholder name the text uses, in order, repeats included. */
export function placeholderNames(text: string): string[] {
  return Array.from(text.matchAll(PLACEHOLDER_PATTERN), (match) => match[1] ?? '');
}

/** Distinct placeholder names of `text` that are not among `known` (the server refuses them). */
export function unknownPlaceholders(text: string, known: readonly string[]): string[] {
  return [...new Set(placeholderNames(text).filter((name) => !known.includes(name)))];
}

/**
 * The text one contact would receive: a known placeholder becomes the recipient's field of that
 * name (nothing when it has none); an unknown one stays as typed, so the operator sees it.
 */
export function renderTemplate(text: string, recipient: Recipient, known: readonly string[]): string {
  const fields = new Map<string, unknown>(Object.entries(recipient));
  return text.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
    if (!known.includes(name)) return whole;
    const value = fields.get(name);
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  });
}

/** `text` with `insert` replacing the selection, and where the caret goes after it. */
export function insertAt(
  text: string,
  selectionStart: number,
  selectionEnd: number,
  insert: string,
): { text: string; caret: number } {
  const start = Math.max(0, Math.min(selectionStart, text.length));
  const end = Math.max(start, Math.min(selectionEnd, text.length));
  return { text: text.slice(0, start) + insert + text.slice(end), caret: start + insert.length };
}
