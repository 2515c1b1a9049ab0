// Where a contact's journey in an earlier campaign ended up, as an audience names it (R23: the
// API's AudienceOutcome), the words the console shows for each, and the two rules the API sets
// on them: only `failed` is narrowed by a failure kind, and `opted_out` is only ever excluded.

import type { AudienceOutcome } from '../api/types';
import type { MessageKey } from '../i18n/dictionary';
import { everyValue } from './vocabulary';

/** Every outcome, in the order of the engine's enum. */
export const AUDIENCE_OUTCOMES = everyValue<AudienceOutcome>()([
  'replied_in_time',
  'message_2_sent',
  'no_interaction',
  'late_interaction',
  'message_1_not_delivered',
  'delivered_not_read',
  'failed',
  'limited',
  'opted_out',
]);

/** An outcome's name for an operator. */
export function audienceOutcomeText(outcome: AudienceOutcome): MessageKey {
  switch (outcome) {
    case 'replied_in_time':
      return 'audienceOutcome.replied_in_time';
    case 'message_2_sent':
      return 'audienceOutcome.message_2_sent';
    case 'no_interaction':
      return 'audienceOutcome.no_interaction';
    case 'late_interaction':
      return 'audienceOutcome.late_interaction';
    case 'message_1_not_delivered':
      return 'audienceOutcome.message_1_not_delivered';
    case 'delivered_not_read':
      return 'audienceOutcome.delivered_not_read';
    case 'failed':
      return 'audienceOutcome.failed';
    case 'limited':
      return 'audienceOutcome.limited';
    case 'opted_out':
      return 'audienceOutcome.opted_out';
  }
}

/** Whether a set of this outcome may name a failure kind (only `failed`). */
export function narrowedByFailureKind(outcome: AudienceOutcome): boolean {
  return outcome === 'failed';
}

/** Whether a set of this outcome can only take contacts out (`opted_out`: never added back). */
export function onlyExcluded(outcome: AudienceOutcome): boolean {
  return outcome === 'opted_out';
}
