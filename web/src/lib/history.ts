// The 7-day history as chart series: one x value per UTC day (seconds), sends being Message 1
// and Message 2 together.

import type { HistoryDay } from '../api/types';

export interface HistorySeries {
  days: number[];
  sends: number[];
  replies: number[];
  errors: number[];
}

export function historySeries(days: readonly HistoryDay[]): HistorySeries {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  return {
    days: sorted.map((day) => Date.parse(`${day.date}T00:00:00Z`) / 1000),
    sends: sorted.map((day) => day.message_1 + day.message_2),
    replies: sorted.map((day) => day.interactions),
    errors: sorted.map((day) => day.errors),
  };
}
