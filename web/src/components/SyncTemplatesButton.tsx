// "Refresh from Meta": reads the business account's template catalog now (a template approved
// a minute ago appears without waiting for its webhook), and says what changed.

import { useSyncTemplates } from '../api/templates';
import { useI18n } from '../i18n/I18nProvider';
import { useErrorText } from './States';
import { toast } from './toastStore';

export function SyncTemplatesButton() {
  const { t, formatNumber } = useI18n();
  const errorText = useErrorText();
  const sync = useSyncTemplates();
  return (
    <button
      type="button"
      className="button"
      disabled={sync.isPending}
      aria-busy={sync.isPending}
      onClick={() =>
        sync.mutate(undefined, {
          onSuccess: (answer) => {
            const count = formatNumber(answer.templates.length);
            toast.success(
              answer.paused_campaigns > 0
                ? t('templates.syncedPaused', { count, paused: formatNumber(answer.paused_campaigns) })
                : t('templates.synced', { count }),
            );
          },
          onError: (error) => toast.error(errorText(error)),
        })
      }
    >
      {t('templates.sync')}
    </button>
  );
}
