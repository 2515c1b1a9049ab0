// Provider and engine failure texts (provider/src/lib.rs, domain/src/sending.rs) sorted into a
// few kinds an operator can act on; the console explains each kind in plain words.

export const PROVIDER_ERROR_KINDS = [
  'dailyLimit',
  'journeyClosed',
  'cutoff',
  'stopped',
  'rateLimit',
  'banRisk',
  'notOnWhatsApp',
  'invalidNumber',
  'tooLong',
  'unauthorized',
  'timeout',
  'providerDown',
] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

// First match wins: the engine's own reasons before the provider's HTTP ones.
const RULES: ReadonlyArray<[ProviderErrorKind, RegExp]> = [
  ['dailyLimit', /daily (message )?limit/i],
  ['journeyClosed', /journey (already )?closed/i],
  ['cutoff', /cutoff/i],
  ['stopped', /campaign stopped|cancel/i],
  ['rateLimit', /\b429\b|rate.?limit|too many requests/i],
  ['banRisk', /spam|blocked|banned/i],
  ['notOnWhatsApp', /not (on|registered|a) whatsapp|not_on_whatsapp|no whatsapp|exists.{0,3}false|not exist/i],
  ['invalidNumber', /invalid.?(phone|number)|wrong number/i],
  ['tooLong', /too long|too large/i],
  ['unauthorized', /\b40[13]\b|unauthori[sz]ed|forbidden|invalid api token|token/i],
  ['timeout', /time.?out|timed out|no answer within|deadline/i],
  ['providerDown', /\b50\d\b|unavailable|connection|unreachable/i],
];

/** The kind of a failure text, or `null` when it matches none (then the raw text is shown). */
export function providerErrorKind(text: string | null | undefined): ProviderErrorKind | null {
  if (!text) return null;
  return RULES.find(([, pattern]) => pattern.test(text))?.[0] ?? null;
}
