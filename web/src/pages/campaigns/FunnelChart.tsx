// The campaign funnel as bars; each bar is a button listing the contacts behind it.

import type { CampaignFunnel } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { buildFunnel, type FunnelStep } from '../../lib/funnel';

interface FunnelChartProps {
  funnel: CampaignFunnel;
  selected: FunnelStep['key'] | null;
  onSelect: (step: FunnelStep) => void;
}

function Bar({ step, selected, onSelect }: { step: FunnelStep; selected: boolean; onSelect: (step: FunnelStep) => void }) {
  const { t, formatNumber } = useI18n();
  const percent = formatNumber(step.share, { style: 'percent', maximumFractionDigits: 1 });
  return (
    <li>
      <button type="button" className={`funnel-bar funnel-${step.key}`} aria-pressed={selected} onClick={() => onSelect(step)} data-testid={`funnel-${step.key}`}>
        <span className="funnel-label">{t(`funnel.${step.key}`)}</span>
        <span className="funnel-track">
          <span className="funnel-fill" style={{ width: `${Math.max(step.share * 100, step.count > 0 ? 1 : 0)}%` }} />
        </span>
        <span className="funnel-count" data-testid={`funnel-${step.key}-count`}>
          {formatNumber(step.count)} <span className="muted">({percent})</span>
        </span>
      </button>
    </li>
  );
}

export function FunnelChart({ funnel, selected, onSelect }: FunnelChartProps) {
  const { t } = useI18n();
  const steps = buildFunnel(funnel);
  return (
    <div className="funnel">
      <ol className="funnel-main" aria-label={t('funnel.title')}>
        {steps
          .filter((step) => step.kind === 'funnel')
          .map((step) => (
            <Bar key={step.key} step={step} selected={selected === step.key} onSelect={onSelect} />
          ))}
      </ol>
      <ul className="funnel-outcomes" aria-label={t('funnel.outcomes')}>
        {steps
          .filter((step) => step.kind === 'outcome')
          .map((step) => (
            <Bar key={step.key} step={step} selected={selected === step.key} onSelect={onSelect} />
          ))}
      </ul>
    </div>
  );
}
