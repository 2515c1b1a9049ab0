// The variants of a launched campaign side by side (R25): each one's contacts, Message 1 sent,
// delivered, read and replied, its reply rate with its 95 % interval, and the server's verdict:
// the winner, or why there is none yet. On a phone each variant is a block of labelled figures.

import type { VariantComparison, VariantStats } from '../../api/types';
import type { MessageKey } from '../../i18n/dictionary';
import { useI18n } from '../../i18n/I18nProvider';

const COUNTS = [
  { key: 'contacts', label: 'variants.column.contacts' },
  { key: 'message_1_sent', label: 'variants.column.sent' },
  { key: 'delivered', label: 'variants.column.delivered' },
  { key: 'read', label: 'variants.column.read' },
  { key: 'replied', label: 'variants.column.replied' },
] as const satisfies readonly { key: keyof VariantStats; label: MessageKey }[];

export function VariantResults({ comparison }: { comparison: VariantComparison }) {
  const { t, formatNumber } = useI18n();
  const percent = (fraction: number) => formatNumber(fraction, { style: 'percent', maximumFractionDigits: 0 });

  function rateText(stats: VariantStats): string {
    if (stats.reply_rate == null) return '—';
    const rate = percent(stats.reply_rate);
    const interval = stats.reply_interval;
    if (!interval) return rate;
    return t('variants.rate', { rate, low: formatNumber(interval.low * 100, { maximumFractionDigits: 0 }), high: percent(interval.high) });
  }

  const { winner, still_to_hear_from: stillToHearFrom } = comparison;
  const verdict = winner
    ? t('variants.winner', { variant: winner })
    : stillToHearFrom > 0
      ? t('variants.noWinnerYet', { count: formatNumber(stillToHearFrom) })
      : t('variants.noWinner');

  return (
    <>
      <div className="table-wrap variants-table">
        <table>
          <caption>{t('variants.comparison')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('variants.column.variant')}</th>
              {COUNTS.map((count) => (
                <th key={count.key} scope="col" className="cell-number">
                  {t(count.label)}
                </th>
              ))}
              <th scope="col" className="cell-number">
                {t('variants.column.rate')}
              </th>
            </tr>
          </thead>
          <tbody>
            {comparison.variants.map((stats) => (
              <tr
                key={stats.variant}
                className={stats.variant === winner ? 'variant-winner' : undefined}
                data-testid="variant-row"
                data-variant={stats.variant}
              >
                <th scope="row">{t('variants.variant', { variant: stats.variant })}</th>
                {COUNTS.map((count) => (
                  <td key={count.key} className="cell-number" data-label={t(count.label)} data-testid={`variant-${count.key}`}>
                    {formatNumber(stats[count.key])}
                  </td>
                ))}
                <td className="cell-number" data-label={t('variants.column.rate')} data-testid="variant-rate">
                  {rateText(stats)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={winner ? 'variants-verdict variants-verdict-winner' : 'variants-verdict'} role="status" data-testid="variants-verdict">
        {verdict}
      </p>
    </>
  );
}
