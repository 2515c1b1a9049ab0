import type { UseQueryResult } from '@tanstack/react-query';
import { useCategoryChoices } from '../../api/categories';
import type { Audience } from '../../api/types';
import { ErrorNote } from '../../components/States';
import { useI18n } from '../../i18n/I18nProvider';
import { AudienceSetLabel } from './AudienceSetLabel';

interface AudienceCardProps {
  /** Whether anything adds contacts (a category, or an included outcome set). */
  hasSource: boolean;
  audience: UseQueryResult<Audience>;
}

/**
 * What each category and outcome set holds on its own, how many distinct contacts they reach
 * together (the excluded sets taken out), how many of those are left out because they opted out
 * or reached the frequency cap (and which cap), how many are known not to be reachable on
 * WhatsApp, against what today still allows.
 */
export function AudienceCard({ hasSource, audience }: AudienceCardProps) {
  const { t, formatNumber } = useI18n();
  const categories = useCategoryChoices();
  const categoryNames = new Map(categories.data?.items.map((category) => [category.id, category.name]));
  const categoryName = (id: number | null | undefined) => (id == null ? '' : (categoryNames.get(id) ?? `#${id}`));
  const data = audience.data;
  return (
    <section className="card" aria-live="polite">
      <h2>{t('campaigns.audience')}</h2>
      {!hasSource ? (
        <p className="muted">{t('campaigns.pickCategories')}</p>
      ) : audience.isError ? (
        <ErrorNote error={audience.error} />
      ) : !data ? (
        <p className="muted">{t('common.loading')}</p>
      ) : (
        <>
          <p className="muted">{t('audience.sources')}</p>
          <ul className="plain-list" data-testid="audience-sources">
            {data.sources.map((source, index) => (
              <li key={index} className="list-row" data-testid="audience-source">
                <span>{source.set ? <AudienceSetLabel set={source.set} /> : categoryName(source.category_id)}</span>
                <span className="cell-number" data-testid="audience-source-count">
                  {formatNumber(source.contacts)}
                </span>
              </li>
            ))}
          </ul>
          <dl className="figures">
            <div>
              <dt>{t('campaigns.audienceSize')}</dt>
              <dd data-testid="audience-size">{formatNumber(data.audience)}</dd>
            </div>
            <div>
              <dt>{t('campaigns.optedOutExcluded')}</dt>
              <dd data-testid="audience-opted-out">{formatNumber(data.opted_out_excluded)}</dd>
            </div>
            <div>
              <dt>{t('audience.cappedExcluded')}</dt>
              <dd data-testid="audience-capped">{formatNumber(data.capped_excluded)}</dd>
            </div>
            {data.not_on_whatsapp > 0 && (
              <div>
                <dt>{t('campaigns.notOnWhatsApp')}</dt>
                <dd data-testid="audience-not-on-whatsapp">{formatNumber(data.not_on_whatsapp)}</dd>
              </div>
            )}
            <div>
              <dt>{t('campaigns.remainingToday')}</dt>
              <dd>
                {formatNumber(data.remaining_today)} / {formatNumber(data.daily_limit)}
              </dd>
            </div>
          </dl>
          <p className="muted" data-testid="audience-cap">
            {data.frequency_cap
              ? t('frequencyCap.applied', { max: formatNumber(data.frequency_cap.max_message_1), days: formatNumber(data.frequency_cap.days) })
              : t('frequencyCap.noneApplied')}
          </p>
          {data.audience > data.remaining_today && <p className="notice notice-warning">{t('campaigns.overQuota')}</p>}
        </>
      )}
    </section>
  );
}
