// CSV written by the console: the import template, the import's rejected lines, campaign
// contact lists. RFC 4180 quoting, CRLF line ends, and a UTF-8 byte order mark so spreadsheet
// programs read accents right.

import type { ImportLineError } from '../api/types';

/**
 * Columns the import route reads (api/src/routes/contacts/csv_file.rs); `phone` is E.164,
 * `time_zone` an IANA zone or empty.
 */
export const IMPORT_COLUMNS = ['phone', 'first_name', 'last_name', 'time_zone'] as const;

const BOM = '\uFEFF';

/**
 * A cell that a spreadsheet would run as a formula gets a leading quote. Phone numbers and other
 * plain numbers (`+33…`, `-3`) are left alone: they are data, not formulas.
 */
function neutraliseFormula(value: string): string {
  if (/^[=@\t\r]/.test(value)) return `'${value}`;
  if (/^[+-]/.test(value) && !/^[+-]?[\d\s().]+$/.test(value)) return `'${value}`;
  return value;
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = neutraliseFormula(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  return BOM + [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A file the import accepts as is, with two example rows to overwrite. */
export function importTemplateCsv(): string {
  return toCsv(IMPORT_COLUMNS, [
    ['+33612345678', 'Marie', 'Dupont', 'Europe/Paris'],
    ['+22507080910', 'Kouassi', '', ''],
  ]);
}

export function importErrorsCsv(errors: readonly ImportLineError[]): string {
  return toCsv(
    ['line', 'reason'],
    errors.map((error) => [error.line, error.reason]),
  );
}
