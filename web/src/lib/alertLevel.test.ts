import { describe, expect, it } from 'vitest';
import { alertLevelColor, dailyFill } from './alertLevel';

describe('alertLevelColor', () => {
  it('gives each level its own colour and unknown levels grey', () => {
    const colors = ['ok', 'attention', 'danger', 'blocked'].map(alertLevelColor);
    expect(new Set(colors).size).toBe(4);
    expect(alertLevelColor('ok')).toBe('#1f8a4c');
    expect(alertLevelColor('blocked')).toBe('#b91c1c');
    expect(alertLevelColor('new_level')).toBe('#64748b');
  });
});

describe('dailyFill', () => {
  it('is the share of the limit used, bounded', () => {
    expect(dailyFill(250, 1000)).toBe(0.25);
    expect(dailyFill(1200, 1000)).toBe(1);
    expect(dailyFill(0, 0)).toBe(1);
  });
});
