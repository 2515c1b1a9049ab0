// Whom a campaign targets: its categories, the outcome sets of earlier campaigns it adds or
// leaves out (R23) and its frequency cap (R24); once launched, how many contacts the launch left
// out because they opted out or had reached the cap.

import { useCategoryChoices } from '../../api/categories';
import type { Campaign } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { hasLaunched } from '../../lib/campaignPhase';
import { frequencyCapDraft, frequencyCapSetting } from '../../lib/frequencyCap';
import { AudienceSetLabel } from './AudienceSetLabel';

export function CampaignAudience({ campaign }: { campaign: Campaign }) {
  const { t, formatNumber } = useI18n();
  const categories = useCategoryChoices();
  const names = new Map(categories.data?.items.map((category) => [category.id, category.name]));
  const categoryNames = campaign.category_ids.map((id) => names.get(id) ?? `#${id}`).join(', ');
  const cap = frequencyCapSetting(frequencyCapDraft(campaign.settings));

  return (
    <section className="card" data-testid="campaign-audience">
      <h2>{t('campaigns.audience')}</h2>
      <dl className="figures figures-inline">
        <div>
          <dt>{t('audience.categories')}</dt>
          <dd>{categoryNames || t('audience.noCategory')}</dd>
        </div>
        <div>
          <dt>{t('frequencyCap.label')}</dt>
          <dd data-testid="campaign-frequency-cap">
            {cap === undefined
              ? t('frequencyCap.default')
              : cap === null
                ? t('frequencyCap.off')
                : t('frequencyCap.value', { max: formatNumber(cap.max_message_1), days: formatNumber(cap.days) })}
          </dd>
        </div>
        {hasLaunched(campaign) && (
          <>
            <div>
              <dt>{t('campaigns.optedOutExcluded')}</dt>
              <dd data-testid="campaign-opted-out-excluded">{formatNumber(campaign.opted_out_excluded)}</dd>
            </div>
            <div>
              <dt>{t('audience.cappedExcluded')}</dt>
              <dd data-testid="campaign-capped-excluded">{formatNumber(campaign.capped_excluded)}</dd>
            </div>
          </>
        )}
      </dl>
      {campaign.audience_sets.length > 0 && (
        <>
          <h3>{t('audienceSets.legend')}</h3>
          <ul className="plain-list" data-testid="campaign-audience-sets">
            {campaign.audience_sets.map((set, index) => (
              <li key={index} className="list-row" data-testid="campaign-audience-set">
                <AudienceSetLabel set={set} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
