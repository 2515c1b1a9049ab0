import { describe, expect, it } from 'vitest';
import { instant, localInputValue } from './localTime';

describe('datetime-local values', () => {
  it('read back as the instant they were made from, to the minute', () => {
    const moment = new Date(2026, 11, 24, 18, 5, 0);
    expect(instant(localInputValue(moment))).toBe(moment.toISOString());
  });

  it('are null when empty or not a time', () => {
    expect(instant('')).toBeNull();
    expect(instant('tomorrow')).toBeNull();
  });

  it('pad months, days, hours and minutes', () => {
    expect(localInputValue(new Date(2027, 0, 2, 3, 4))).toBe('2027-01-02T03:04');
  });
});
