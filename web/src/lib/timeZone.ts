// A time zone as an operator types it, as the API takes it. The API checks the name against its
// time-zone database (a 422 names a zone it does not know), so the console passes the text on.

import type { components } from '../api/schema';

export type TimeZoneName = components['schemas']['TimeZoneName'];

/** The typed name, or `null` for an empty field. */
export function timeZoneName(text: string): TimeZoneName | null {
  const name = text.trim();
  return name === '' ? null : (name as TimeZoneName);
}
