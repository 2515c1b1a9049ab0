import { describe, expect, it } from 'vitest';
import { refreshDelayMs } from './refreshSchedule';

describe('refreshDelayMs', () => {
  it('refreshes a minute before a normal token expires', () => {
    expect(refreshDelayMs(900)).toBe(840_000);
    expect(refreshDelayMs(3600)).toBe(3_540_000);
  });

  it('refreshes short tokens at three quarters of their life', () => {
    expect(refreshDelayMs(60)).toBe(45_000);
    expect(refreshDelayMs(8)).toBe(6_000);
  });

  it('never schedules a refresh sooner than a second', () => {
    expect(refreshDelayMs(0)).toBe(1_000);
    expect(refreshDelayMs(1)).toBe(1_000);
  });
});
