import { describe, expect, it } from 'vitest';
import { historySeries } from './history';

describe('historySeries', () => {
  it('orders days and adds both messages into sends', () => {
    const series = historySeries([
      { date: '2026-01-02', message_1: 5, message_2: 2, interactions: 3, errors: 1 },
      { date: '2026-01-01', message_1: 1, message_2: 0, interactions: 0, errors: 0 },
    ]);
    expect(series).toEqual({
      days: [Date.UTC(2026, 0, 1) / 1000, Date.UTC(2026, 0, 2) / 1000],
      sends: [1, 7],
      replies: [0, 3],
      errors: [0, 1],
    });
  });
});
