// Why a send failed, as the API names it (`failure_kind`, the engine's FailureKind), and the
// words the console explains each kind with. The API decides the kind; the console never reads
// the failure's text to guess it.

import type { FailureKind } from '../api/types';
import type { MessageKey } from '../i18n/dictionary';

/** Every kind, in the order of the engine's enum. */
export const FAILURE_KINDS = [
  'invalid_number',
  'undeliverable',
  'limited',
  'opted_out',
  'window_closed',
  'template_rejected',
  'template_paused',
  'rate_limited',
  'auth',
  'provider_down',
  'daily_limit',
  'cutoff',
  'frequency_capped',
  'unknown',
] as const satisfies readonly FailureKind[];

// A kind the API adds and this list lacks fails the type check here.
type Unlisted = Exclude<FailureKind, (typeof FAILURE_KINDS)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : never = true;
void everyKindListed;

/** A kind's short name and its explanation for an operator. */
export function failureKindText(kind: FailureKind): { name: MessageKey; explanation: MessageKey } {
  switch (kind) {
    case 'invalid_number':
      return { name: 'failureKind.invalid_number', explanation: 'failureKind.invalid_number.explained' };
    case 'undeliverable':
      return { name: 'failureKind.undeliverable', explanation: 'failureKind.undeliverable.explained' };
    case 'limited':
      return { name: 'failureKind.limited', explanation: 'failureKind.limited.explained' };
    case 'opted_out':
      return { name: 'failureKind.opted_out', explanation: 'failureKind.opted_out.explained' };
    case 'window_closed':
      return { name: 'failureKind.window_closed', explanation: 'failureKind.window_closed.explained' };
    case 'template_rejected':
      return { name: 'failureKind.template_rejected', explanation: 'failureKind.template_rejected.explained' };
    case 'template_paused':
      return { name: 'failureKind.template_paused', explanation: 'failureKind.template_paused.explained' };
    case 'rate_limited':
      return { name: 'failureKind.rate_limited', explanation: 'failureKind.rate_limited.explained' };
    case 'auth':
      return { name: 'failureKind.auth', explanation: 'failureKind.auth.explained' };
    case 'provider_down':
      return { name: 'failureKind.provider_down', explanation: 'failureKind.provider_down.explained' };
    case 'daily_limit':
      return { name: 'failureKind.daily_limit', explanation: 'failureKind.daily_limit.explained' };
    case 'cutoff':
      return { name: 'failureKind.cutoff', explanation: 'failureKind.cutoff.explained' };
    case 'frequency_capped':
      return { name: 'failureKind.frequency_capped', explanation: 'failureKind.frequency_capped.explained' };
    case 'unknown':
      return { name: 'failureKind.unknown', explanation: 'failureKind.unknown.explained' };
  }
}
