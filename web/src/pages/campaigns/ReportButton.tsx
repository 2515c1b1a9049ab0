// Downloads a campaign's per-recipient report: one CSV line per contact, with the variant of
// Message 1 they got (R25), what happened to their Message 1, reply and Message 2, and why they
// failed or opted out.

import { useState } from 'react';
import { fetchCampaignReport } from '../../api/campaigns';
import { useErrorText } from '../../components/States';
import { toast } from '../../components/toastStore';
import { useI18n } from '../../i18n/I18nProvider';
import { saveBlob } from '../../lib/download';

export function ReportButton({ campaignId }: { campaignId: number }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [downloading, setDownloading] = useState(false);

  async function download() {
    setDownloading(true);
    try {
      saveBlob(await fetchCampaignReport(campaignId), `campaign-${campaignId}-report.csv`);
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <button type="button" className="button" disabled={downloading} aria-busy={downloading} onClick={() => void download()}>
      {t('audience.downloadReport')}
    </button>
  );
}
