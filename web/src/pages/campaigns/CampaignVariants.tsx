// A campaign's variants of Message 1 (R25): each one's text or template, weight and share of the
// contacts; once launched, their results side by side (refreshed while the campaign runs) and the
// winner the server sees, if any.

import { useCampaignVariants } from '../../api/campaigns';
import type { Campaign } from '../../api/types';
import { QueryStates } from '../../components/QueryStates';
import { useI18n } from '../../i18n/I18nProvider';
import { variantShares } from '../../lib/variants';
import { TemplateSummary } from './TemplateSummary';
import { VariantResults } from './VariantResults';
import './variants.css';

interface CampaignVariantsProps {
  campaign: Campaign;
  /** Whether the campaign ran: only then has it results. */
  launched: boolean;
  running: boolean;
}

export function CampaignVariants({ campaign, launched, running }: CampaignVariantsProps) {
  const { t, formatNumber } = useI18n();
  const comparison = useCampaignVariants(campaign.id, launched, running);
  const variants = campaign.message_1_variants;
  const shares = variantShares(variants.map((variant) => variant.weight));

  return (
    <section className="card" aria-labelledby="campaign-variants-title" data-testid="campaign-variants">
      <h2 id="campaign-variants-title">{t('variants.title')}</h2>
      <ul className="variant-list">
        {variants.map((variant, index) => {
          const share = shares[index];
          return (
            <li key={variant.variant} className="variant-summary" data-testid="campaign-variant" data-variant={variant.variant}>
              <div className="variant-summary-head">
                <h3>{t('variants.variant', { variant: variant.variant })}</h3>
                <span className="muted" data-testid="campaign-variant-weight">
                  {t('variants.weightShare', {
                    weight: formatNumber(variant.weight),
                    share: share == null ? '—' : formatNumber(share, { style: 'percent', maximumFractionDigits: 0 }),
                  })}
                </span>
              </div>
              {variant.message_1_template ? (
                <TemplateSummary label={t('campaigns.templateUsed')} template={variant.message_1_template} testId={`variant-${variant.variant}-template`} />
              ) : (
                <p className="message-text" data-testid="campaign-variant-text">
                  {variant.message_1}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      {launched ? (
        <QueryStates query={comparison}>{(data) => <VariantResults comparison={data} />}</QueryStates>
      ) : (
        <p className="muted">{t('variants.afterLaunch')}</p>
      )}
    </section>
  );
}
