// A draft's quiet hours and time zone (R21) as the editor holds them and as the API takes them:
// the configured default (nothing sent), none (`quiet_hours: null`), or hours of its own.

import type { components } from '../api/schema';
import { timeZoneName } from './timeZone';

type ApiSettingsOverrides = components['schemas']['SettingsOverrides'];

export type QuietHoursChoice = 'default' | 'off' | 'custom';

export interface QuietHoursDraft {
  choice: QuietHoursChoice;
  start: string;
  end: string;
  timeZone: string;
}

export type QuietHoursOverrides = Pick<ApiSettingsOverrides, 'quiet_hours' | 'time_zone'>;

const DEFAULT_START = '21:00';
const DEFAULT_END = '08:00';

export function quietHoursDraft(saved: unknown): QuietHoursDraft {
  const source = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  const hours = source.quiet_hours;
  const timeZone = typeof source.time_zone === 'string' ? source.time_zone : '';
  if (hours === null) return { choice: 'off', start: DEFAULT_START, end: DEFAULT_END, timeZone };
  if (typeof hours === 'object' && hours !== undefined) {
    const { start, end } = hours as Record<string, unknown>;
    if (typeof start === 'string' && typeof end === 'string') return { choice: 'custom', start, end, timeZone };
  }
  return { choice: 'default', start: DEFAULT_START, end: DEFAULT_END, timeZone };
}

export function quietHoursOverrides(draft: QuietHoursDraft): QuietHoursOverrides {
  const overrides: QuietHoursOverrides = {};
  if (draft.choice === 'off') overrides.quiet_hours = null;
  if (draft.choice === 'custom') overrides.quiet_hours = { start: draft.start.trim(), end: draft.end.trim() };
  const timeZone = timeZoneName(draft.timeZone);
  if (timeZone !== null) overrides.time_zone = timeZone;
  return overrides;
}
