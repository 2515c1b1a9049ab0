// A campaign a provider condition paused (its template paused or disabled by Meta, or the
// provider refusing our credentials): why and since when, and "Resume" once the cause is fixed.
// Its sends wait meanwhile; resuming lets them go on at their next try.

import { useResumeCampaign } from '../../api/campaigns';
import type { Campaign } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmButton';
import { useErrorText } from '../../components/States';
import { toast } from '../../components/toastStore';
import { useI18n } from '../../i18n/I18nProvider';
import '../../components/metaProvider.css';

export function PausedBanner({ campaign }: { campaign: Campaign }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const resume = useResumeCampaign();
  if (!campaign.paused_reason) return null;
  return (
    <div className="banner banner-danger banner-with-action" role="alert" data-testid="paused-banner">
      <span>
        <strong>{t('campaigns.pausedTitle')}</strong>{' '}
        {t('campaigns.pausedReason', { reason: campaign.paused_reason, at: formatDateTime(campaign.paused_at) })}
      </span>
      <ConfirmButton
        label={t('campaigns.resume')}
        title={t('campaigns.resumeTitle')}
        confirmLabel={t('campaigns.resume')}
        pending={resume.isPending}
        onConfirm={() =>
          resume.mutateAsync(campaign.id, {
            onSuccess: () => toast.success(t('campaigns.resumed')),
            onError: (error) => toast.error(errorText(error)),
          })
        }
      >
        {t('campaigns.resumeBody', { name: campaign.name })}
      </ConfirmButton>
    </div>
  );
}
