// Schedules a draft's launch (R20): the operator picks a time in their own zone; at that time the
// engine launches it exactly as "Launch" would, or marks it failed with the reason.

import { useState } from 'react';
import { useScheduleCampaign } from '../../api/campaigns';
import type { Campaign } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmButton';
import { useErrorText } from '../../components/States';
import { toast } from '../../components/toastStore';
import { useI18n } from '../../i18n/I18nProvider';
import { instant, localInputValue } from '../../lib/localTime';

/** The time offered first: the next full hour but one. */
function firstOffer(): string {
  const offer = new Date();
  offer.setHours(offer.getHours() + 2, 0, 0, 0);
  return localInputValue(offer);
}

export function ScheduleButton({ campaign }: { campaign: Campaign }) {
  const { t, formatDateTime } = useI18n();
  const errorText = useErrorText();
  const schedule = useScheduleCampaign();
  const [local, setLocal] = useState(firstOffer);

  return (
    <ConfirmButton
      label={t('campaigns.schedule')}
      title={t('campaigns.scheduleTitle')}
      confirmLabel={t('campaigns.schedule')}
      className="button"
      pending={schedule.isPending}
      onConfirm={() => {
        const at = instant(local);
        if (!at) {
          toast.error(t('campaigns.scheduleNoTime'));
          return Promise.resolve();
        }
        return schedule.mutateAsync(
          { id: campaign.id, at },
          {
            onSuccess: (scheduled) => toast.success(t('campaigns.scheduled', { at: formatDateTime(scheduled.scheduled_at) })),
            onError: (error) => toast.error(errorText(error)),
          },
        );
      }}
    >
      <p>{t('campaigns.scheduleBody', { name: campaign.name })}</p>
      <div className="field">
        <label htmlFor="schedule-at">{t('campaigns.scheduleAt')}</label>
        <input id="schedule-at" type="datetime-local" value={local} min={localInputValue(new Date())} onChange={(event) => setLocal(event.target.value)} />
      </div>
    </ConfirmButton>
  );
}
