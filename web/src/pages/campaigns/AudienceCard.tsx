import type { UseQueryResult } from '@tanstack/react-query';
import type { Audience } from '../../api/types';
import { ErrorNote } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';

interface AudienceCardProps {
  categoryIds: number[];
  audience: UseQueryResult<Audience>;
}

/**
 * How many distinct contacts the chosen categories reach (and how many of theirs are left out
 * because they opted out, or are known not to be reachable on WhatsApp), against what today
 * still allows.
 */
export function AudienceCard({ categoryIds, audience }: AudienceCardProps) {
  const { t, formatNumber } = useI18n();
  return (
    <section className="card" aria-live="polite">
      <h2>{t('campaigns.audience')}</h2>
      {categoryIds.length === 0 ? (
        <p className="muted">{t('campaigns.pickCategories')}</p>
      ) : audience.isError ? (
        <ErrorNote error={audience.error} />
      ) : !audience.data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <dl className="figures">
            <div>
              <dt>{t('campaigns.audienceSize')}</dt>
              <dd data-testid="audience-size">{formatNumber(audience.data.audience)}</dd>
            </div>
            {audience.data.opted_out_excluded > 0 && (
              <div>
                <dt>{t('campaigns.optedOutExcluded')}</dt>
                <dd data-testid="audience-opted-out">{formatNumber(audience.data.opted_out_excluded)}</dd>
              </div>
            )}
            {audience.data.not_on_whatsapp > 0 && (
              <div>
                <dt>{t('campaigns.notOnWhatsApp')}</dt>
                <dd data-testid="audience-not-on-whatsapp">{formatNumber(audience.data.not_on_whatsapp)}</dd>
              </div>
            )}
            <div>
              <dt>{t('campaigns.remainingToday')}</dt>
              <dd>
                {formatNumber(audience.data.remaining_today)} / {formatNumber(audience.data.daily_limit)}
              </dd>
            </div>
          </dl>
          {audience.data.audience > audience.data.remaining_today && (
            <p className="notice notice-warning">{t('campaigns.overQuota')}</p>
          )}
        </>
      )}
    </section>
  );
}
