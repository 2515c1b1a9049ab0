// When a launch's last Message 1 should leave (R21), and a warning when that is after the
// campaign's cutoff, so the operator can stop it and widen its pacing or quiet hours.

import type { Launched } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';

export function LaunchEstimate({ launched }: { launched: Launched }) {
  const { t, formatDateTime } = useI18n();
  return (
    <div className="stack" data-testid="launch-estimate">
      <p className="notice" role="status">
        {t('campaigns.estimatedFinish', { date: formatDateTime(launched.estimated_message_1_finish) })}
      </p>
      {launched.finishes_after_cutoff && (
        <p className="notice notice-warning" role="alert" data-testid="launch-after-cutoff">
          {t('campaigns.finishesAfterCutoff')}
        </p>
      )}
    </div>
  );
}
