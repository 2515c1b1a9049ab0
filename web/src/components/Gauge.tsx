// Sends against a limit as a half-ring, coloured by alert level (SPEC R14): today's against the
// daily limit, or Meta's messaging limit over 24 hours.

import { alertLevelColor, dailyFill } from '../lib/alertLevel';
import { useI18n } from '../i18n/I18nProvider';

interface GaugeProps {
  sent: number;
  limit: number;
  level: string;
  /** What the gauge says to screen readers; today's sends against the daily limit by default. */
  label?: string;
}

const RADIUS = 80;
const ARC_LENGTH = Math.PI * RADIUS;

export function Gauge({ sent, limit, level, label: givenLabel }: GaugeProps) {
  const { t, formatNumber } = useI18n();
  const fill = dailyFill(sent, limit);
  const label = givenLabel ?? t('dashboard.gaugeLabel', { sent: formatNumber(sent), limit: formatNumber(limit) });
  return (
    <figure className="gauge" aria-label={label}>
      <svg viewBox="0 0 200 110" role="img" aria-hidden="true">
        <path d="M20 100 A80 80 0 0 1 180 100" className="gauge-track" />
        <path
          d="M20 100 A80 80 0 0 1 180 100"
          className="gauge-fill"
          stroke={alertLevelColor(level)}
          strokeDasharray={`${fill * ARC_LENGTH} ${ARC_LENGTH}`}
        />
      </svg>
      <figcaption>
        <strong className="gauge-value">{formatNumber(sent)}</strong>
        <span> / {formatNumber(limit)}</span>
      </figcaption>
    </figure>
  );
}
