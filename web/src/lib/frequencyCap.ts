// A draft's frequency cap (R24) as the editor holds it and as the API takes it: the configured
// default (no `frequency_cap` key), none (`frequency_cap: null`), or a cap of its own,
// `{max_message_1, days}`. The server checks the bounds; a field left empty is sent as 0, which
// it refuses with a message naming the field.

import type { components } from '../api/schema';
import type { FrequencyCap } from '../api/types';

type ApiSettingsOverrides = components['schemas']['SettingsOverrides'];

export type FrequencyCapChoice = 'default' | 'off' | 'custom';

export interface FrequencyCapDraft {
  choice: FrequencyCapChoice;
  maxMessage1: string;
  days: string;
}

export type FrequencyCapOverrides = Pick<ApiSettingsOverrides, 'frequency_cap'>;

/** The bounds the API sets on a cap (`FrequencyCap`), for the inputs' hints. */
export const MAX_MESSAGE_1_LIMIT = 100;
export const MAX_CAP_DAYS = 365;

/** What a custom cap starts from: the specification's two Message 1s in seven days. */
const CUSTOM_MAX_MESSAGE_1 = '2';
const CUSTOM_DAYS = '7';

export function frequencyCapDraft(saved: unknown): FrequencyCapDraft {
  const source = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  if (!Object.hasOwn(source, 'frequency_cap')) return { choice: 'default', maxMessage1: CUSTOM_MAX_MESSAGE_1, days: CUSTOM_DAYS };
  const cap = source.frequency_cap;
  if (typeof cap === 'object' && cap !== null) {
    const { max_message_1: maxMessage1, days } = cap as Record<string, unknown>;
    if (typeof maxMessage1 === 'number' && typeof days === 'number') {
      return { choice: 'custom', maxMessage1: String(maxMessage1), days: String(days) };
    }
  }
  return { choice: cap === null ? 'off' : 'default', maxMessage1: CUSTOM_MAX_MESSAGE_1, days: CUSTOM_DAYS };
}

function wholeNumber(text: string): number {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : 0;
}

/** The cap the draft asks for: `undefined` for the configured default, `null` for none. */
export function frequencyCapSetting(draft: FrequencyCapDraft): FrequencyCap | null | undefined {
  switch (draft.choice) {
    case 'default':
      return undefined;
    case 'off':
      return null;
    case 'custom':
      return { max_message_1: wholeNumber(draft.maxMessage1), days: wholeNumber(draft.days) };
  }
}

/** The draft's cap as a settings override: no key for the default. */
export function frequencyCapOverrides(draft: FrequencyCapDraft): FrequencyCapOverrides {
  const cap = frequencyCapSetting(draft);
  return cap === undefined ? {} : { frequency_cap: cap };
}
