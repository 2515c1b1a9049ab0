// A draft's setting overrides as the editor holds them (text of number inputs) and as the API
// takes them (numbers, absent meaning the default). The fields are checked against the API's
// `SettingsOverrides`, so a renamed setting fails the build.

import type { components } from '../api/schema';

type ApiSettingsOverrides = components['schemas']['SettingsOverrides'];

export const SETTING_FIELDS = [
  'interaction_window_secs',
  'cutoff_secs',
  'send_interval_secs',
  'batch_size',
  'batch_pause_secs',
  'max_send_attempts',
] as const satisfies ReadonlyArray<keyof ApiSettingsOverrides>;
export type SettingField = (typeof SETTING_FIELDS)[number];
export type SettingsDraft = Record<SettingField, string>;
export type SettingsOverrides = Partial<Record<SettingField, number>>;

export function settingsDraft(saved: unknown): SettingsDraft {
  const source = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  return Object.fromEntries(
    SETTING_FIELDS.map((field) => {
      const value = source[field];
      return [field, typeof value === 'number' ? String(value) : ''];
    }),
  ) as SettingsDraft;
}

export function settingsOverrides(draft: SettingsDraft): SettingsOverrides {
  const overrides: SettingsOverrides = {};
  for (const field of SETTING_FIELDS) {
    const text = draft[field].trim();
    if (text !== '' && Number.isFinite(Number(text))) overrides[field] = Number(text);
  }
  return overrides;
}
