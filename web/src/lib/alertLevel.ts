// Colours of the daily alert levels (SPEC R14), shared by the gauge, badges and the chart.

export const ALERT_LEVELS = ['ok', 'attention', 'danger', 'blocked'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

const LEVEL_COLORS: Record<AlertLevel, string> = {
  ok: '#1f8a4c',
  attention: '#b7791f',
  danger: '#c2410c',
  blocked: '#b91c1c',
};

const UNKNOWN_LEVEL_COLOR = '#64748b';

/** The colour of a level; a level this console does not know shows neutral grey. */
export function alertLevelColor(level: string): string {
  return (ALERT_LEVELS as readonly string[]).includes(level) ? LEVEL_COLORS[level as AlertLevel] : UNKNOWN_LEVEL_COLOR;
}

/** How full the day is, between 0 and 1, for the gauge (a limit of 0 is full). */
export function dailyFill(sent: number, limit: number): number {
  if (limit <= 0) return 1;
  return Math.min(1, Math.max(0, sent / limit));
}
