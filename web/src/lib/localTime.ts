// The browser's `datetime-local` inputs: wall-clock text in the operator's own zone, which the
// API takes as RFC 3339 instants.

/** A `datetime-local` value as an RFC 3339 instant, or null when empty or invalid. */
export function instant(local: string): string | null {
  if (!local) return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An instant as a `datetime-local` value (minutes) in the browser's zone. */
export function localInputValue(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
