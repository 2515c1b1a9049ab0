import { describe, expect, it } from 'vitest';
import { providerErrorKind } from './providerErrors';

describe('providerErrorKind', () => {
  it.each([
    ['daily message limit reached', 'dailyLimit'],
    ['journey already closed', 'journeyClosed'],
    ['campaign cutoff', 'cutoff'],
    ['campaign stopped', 'stopped'],
    ['HTTP 429 (empty body)', 'rateLimit'],
    ['HTTP 400 [spam_detected]: message flagged as spam', 'banRisk'],
    ['HTTP 400 [invalid_phone]: Invalid phone number', 'invalidNumber'],
    ['the number is not on WhatsApp', 'notOnWhatsApp'],
    ['HTTP 401: Invalid API token', 'unauthorized'],
    ["no answer within the attempt's 20s", 'timeout'],
    ['HTTP 503 (empty body)', 'providerDown'],
  ])('%s is %s', (text, kind) => {
    expect(providerErrorKind(text)).toBe(kind);
  });

  it('leaves unknown texts unexplained', () => {
    expect(providerErrorKind('something odd')).toBeNull();
    expect(providerErrorKind(null)).toBeNull();
  });
});
