// The 7-day chart of sends, replies and errors. uPlot is loaded with this module only (it is
// imported lazily), so the first screen does not pay for it.

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MonitoringHistory } from '../api/types';
import { useI18n } from '../i18n/I18nProvider';
import { historySeries } from '../lib/history';

const CHART_HEIGHT = 240;
const DAY_SECONDS = 86_400;

export default function HistoryChart({ history }: { history: MonitoringHistory }) {
  const { t, language } = useI18n();
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const series = historySeries(history.days);
    const dayFormat = new Intl.DateTimeFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const chart = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: CHART_HEIGHT,
        scales: { x: { time: true } },
        axes: [
          // Ticks on whole days (one point a day: hour ticks would repeat a label), fewer when narrow.
          { incrs: [DAY_SECONDS, 2 * DAY_SECONDS, 7 * DAY_SECONDS], values: (_, ticks) => ticks.map((tick) => dayFormat.format(new Date(tick * 1000))) },
          { size: 48 },
        ],
        series: [
          {},
          { label: t('chart.sends'), stroke: '#2563eb', width: 2, points: { size: 6 } },
          { label: t('chart.replies'), stroke: '#1f8a4c', width: 2, points: { size: 6 } },
          { label: t('chart.errors'), stroke: '#b91c1c', width: 2, points: { size: 6 } },
        ],
      },
      [series.days, series.sends, series.replies, series.errors],
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: CHART_HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [history, t, language]);

  return <div ref={container} className="chart" role="img" aria-label={t('chart.label')} />;
}
