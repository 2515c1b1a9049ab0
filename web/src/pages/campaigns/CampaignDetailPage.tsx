// One campaign: its audience, texts, variants of Message 1 and their results (R25), live funnel
// (every 2.5 s while running), the contacts behind each bar, and the operations allowed in its
// state, each behind a confirmation. A draft may be launched now or scheduled (R20); a scheduled
// one shows its time and may be unscheduled. A campaign a provider condition paused (Meta
// provider) says why and may be resumed. Once launched, its per-recipient report downloads as CSV.

import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import {
  RUNNING_STATS_REFRESH_MS,
  useCampaign,
  useCampaignFunnel,
  useCampaignStats,
  useDeleteCampaign,
  useLaunchCampaign,
  useRefreshOnStatusChange,
  useRelaunchCampaign,
  useRetryCampaign,
  useStopCampaign,
  useUnscheduleCampaign,
} from '../../api/campaigns';
import type { Campaign, CampaignStatus, Launched } from '../../api/types';
import { ConfirmButton } from '../../components/ConfirmButton';
import { QueryStates } from '../../components/QueryStates';
import { ErrorNote, Loading, useErrorText } from '../../components/States';
import { PausedBadge } from '../../components/PausedBadge';
import { StatusBadge } from '../../components/StatusBadge';
import { toast } from '../../components/toastStore';
import type { MessageKey, MessageVars } from '../../i18n/dictionary';
import { useI18n } from '../../i18n/I18nProvider';
import { CAMPAIGN_PHASE, hasLaunched } from '../../lib/campaignPhase';
import type { FunnelStep } from '../../lib/funnel';
import { CampaignAudience } from './CampaignAudience';
import { CampaignContactsPanel } from './CampaignContactsPanel';
import { CampaignVariants } from './CampaignVariants';
import { FunnelChart } from './FunnelChart';
import { LaunchEstimate } from './LaunchEstimate';
import { PausedBanner } from './PausedBanner';
import { ReportButton } from './ReportButton';
import { ScheduleButton } from './ScheduleButton';
import { TemplateSummary } from './TemplateSummary';

/** The launch toast: how many contacts, and how many were left out (opted out, capped). */
function launchedMessage(launched: Launched, formatNumber: (value: number) => string): [MessageKey, MessageVars] {
  const count = formatNumber(launched.total_contacts);
  const optedOut = formatNumber(launched.opted_out_excluded);
  if (launched.capped_excluded > 0) {
    return ['audience.launchedWithExclusions', { count, optedOut, capped: formatNumber(launched.capped_excluded) }];
  }
  if (launched.opted_out_excluded > 0) return ['campaigns.launchedWithOptedOut', { count, excluded: optedOut }];
  return ['campaigns.launched', { count }];
}

function CampaignActions({
  campaign,
  status,
  failed,
  onLaunched,
}: {
  campaign: Campaign;
  status: CampaignStatus;
  failed: number;
  onLaunched: (launched: Launched) => void;
}) {
  const { t, formatNumber } = useI18n();
  const errorText = useErrorText();
  const [, navigate] = useLocation();
  const launch = useLaunchCampaign();
  const stop = useStopCampaign();
  const retry = useRetryCampaign();
  const relaunch = useRelaunchCampaign();
  const remove = useDeleteCampaign();
  const unschedule = useUnscheduleCampaign();
  const report = (error: unknown) => toast.error(errorText(error));

  return (
    <div className="toolbar" aria-label={t('common.actions')}>
      {status === 'draft' && (
        <>
          <Link href={`/campaigns/${campaign.id}/edit`} className="button">
            {t('common.edit')}
          </Link>
          <ConfirmButton
            label={t('campaigns.launch')}
            title={t('campaigns.launchTitle')}
            confirmLabel={t('campaigns.launch')}
            pending={launch.isPending}
            onConfirm={() =>
              launch.mutateAsync(campaign.id, {
                onSuccess: (launched) => {
                  onLaunched(launched);
                  toast.success(t(...launchedMessage(launched, formatNumber)));
                },
                onError: report,
              })
            }
          >
            {t('campaigns.launchBody', { name: campaign.name })}
          </ConfirmButton>
          <ScheduleButton campaign={campaign} />
          <ConfirmButton
            label={t('common.delete')}
            title={t('campaigns.deleteTitle')}
            confirmLabel={t('common.delete')}
            danger
            pending={remove.isPending}
            onConfirm={() => remove.mutateAsync(campaign.id, { onSuccess: () => navigate('/campaigns'), onError: report })}
          >
            {t('campaigns.deleteBody', { name: campaign.name })}
          </ConfirmButton>
        </>
      )}
      {status === 'scheduled' && (
        <ConfirmButton
          label={t('campaigns.unschedule')}
          title={t('campaigns.unscheduleTitle')}
          confirmLabel={t('campaigns.unschedule')}
          danger
          pending={unschedule.isPending}
          onConfirm={() => unschedule.mutateAsync(campaign.id, { onSuccess: () => toast.success(t('campaigns.unscheduled')), onError: report })}
        >
          {t('campaigns.unscheduleBody', { name: campaign.name })}
        </ConfirmButton>
      )}
      {status === 'running' && (
        <ConfirmButton
          label={t('campaigns.stop')}
          title={t('campaigns.stopTitle')}
          confirmLabel={t('campaigns.stop')}
          danger
          pending={stop.isPending}
          onConfirm={() => stop.mutateAsync(campaign.id, { onSuccess: () => toast.success(t('campaigns.stopRequested')), onError: report })}
        >
          {t('campaigns.stopBody')}
        </ConfirmButton>
      )}
      {hasLaunched({ status, started_at: campaign.started_at }) && <ReportButton campaignId={campaign.id} />}
      {CAMPAIGN_PHASE[status] === 'finished' && (
        <>
          <ConfirmButton
            label={t('campaigns.retry')}
            title={t('campaigns.retryTitle')}
            confirmLabel={t('campaigns.retry')}
            pending={retry.isPending}
            disabled={failed === 0}
            onConfirm={() =>
              retry.mutateAsync(campaign.id, {
                onSuccess: (launched) => toast.success(t('campaigns.retried', { count: formatNumber(launched.total_contacts) })),
                onError: report,
              })
            }
          >
            {t('campaigns.retryBody', { count: formatNumber(failed) })}
          </ConfirmButton>
          <ConfirmButton
            label={t('campaigns.relaunch')}
            title={t('campaigns.relaunchTitle')}
            confirmLabel={t('campaigns.relaunch')}
            pending={relaunch.isPending}
            onConfirm={() =>
              relaunch.mutateAsync(campaign.id, {
                onSuccess: (launched) => navigate(`/campaigns/${launched.campaign_id}`),
                onError: report,
              })
            }
          >
            {t('campaigns.relaunchBody', { name: campaign.name })}
          </ConfirmButton>
        </>
      )}
    </div>
  );
}

export default function CampaignDetailPage({ id }: { id: number }) {
  const { t, formatDateTime } = useI18n();
  const campaign = useCampaign(id);
  const notLaunched = CAMPAIGN_PHASE[campaign.data?.status ?? 'draft'] === 'notLaunched';
  const launchFailed = campaign.data?.failure_reason != null;
  const hasRun = campaign.isSuccess && !notLaunched && !launchFailed;
  const stats = useCampaignStats(id, hasRun);
  const [selected, setSelected] = useState<FunnelStep | null>(null);
  // The launch answer's estimate (R21), shown until the operator leaves the page.
  const [launched, setLaunched] = useState<Launched | null>(null);
  const funnel = useCampaignFunnel(id, hasRun, stats.data?.status === 'running');
  useRefreshOnStatusChange(id, stats.data?.status);

  if (campaign.isPending) return <Loading />;
  if (campaign.isError) return <ErrorNote error={campaign.error} />;

  const status = stats.data?.status ?? campaign.data.status;
  const running = status === 'running';
  const hasVariants = campaign.data.message_1_variants.length > 0;

  return (
    <div className="stack">
      <p>
        <Link href="/campaigns">← {t('nav.campaigns')}</Link>
      </p>
      <div className="page-head">
        <h1>
          {campaign.data.name} <StatusBadge status={status} /> <PausedBadge reason={campaign.data.paused_reason} />
        </h1>
        <CampaignActions
          campaign={campaign.data}
          status={status}
          failed={funnel.data?.failed ?? stats.data?.failed ?? 0}
          onLaunched={setLaunched}
        />
      </div>
      {launched && <LaunchEstimate launched={launched} />}
      <dl className="figures figures-inline">
        <div>
          <dt>{t('campaigns.created')}</dt>
          <dd>{formatDateTime(campaign.data.created_at)}</dd>
        </div>
        {campaign.data.scheduled_at && (
          <div>
            <dt>{t('campaigns.scheduledFor')}</dt>
            <dd>{formatDateTime(campaign.data.scheduled_at)}</dd>
          </div>
        )}
        <div>
          <dt>{t('campaigns.started')}</dt>
          <dd>{formatDateTime(stats.data?.started_at ?? campaign.data.started_at)}</dd>
        </div>
        <div>
          <dt>{t('campaigns.completed')}</dt>
          <dd>{formatDateTime(stats.data?.completed_at ?? campaign.data.completed_at)}</dd>
        </div>
      </dl>
      {campaign.data.failure_reason && (
        <p className="banner banner-danger" role="alert">
          {t('campaigns.launchRefused', { reason: campaign.data.failure_reason })}
        </p>
      )}
      <PausedBanner campaign={campaign.data} />
      <CampaignAudience campaign={campaign.data} />
      {running && (
        <p className="muted" role="status">
          {t('campaigns.live', { seconds: RUNNING_STATS_REFRESH_MS / 1000 })}
        </p>
      )}
      <div className="grid-2">
        <section className="card">
          <h2>{t('campaigns.message1')}</h2>
          {hasVariants ? (
            <p className="muted">{t('variants.inVariants', { count: campaign.data.message_1_variants.length })}</p>
          ) : (
            <>
              {campaign.data.message_1_template && (
                <TemplateSummary label={t('campaigns.templateUsed')} template={campaign.data.message_1_template} testId="message-1-template" />
              )}
              {campaign.data.message_1 && <p className="message-text">{campaign.data.message_1}</p>}
            </>
          )}
        </section>
        <section className="card">
          <h2>{t('campaigns.message2')}</h2>
          <p className="message-text">{campaign.data.message_2}</p>
          {campaign.data.message_2_template && (
            <TemplateSummary label={t('campaigns.fallbackTemplateUsed')} template={campaign.data.message_2_template} testId="message-2-template" />
          )}
        </section>
      </div>
      {hasVariants && <CampaignVariants campaign={campaign.data} launched={hasRun} running={running} />}
      {hasRun && (
        <section className="card">
          <h2>{t('funnel.title')}</h2>
          <QueryStates query={funnel}>
            {(data) => (
              <FunnelChart funnel={data} selected={selected?.key ?? null} onSelect={setSelected} />
            )}
          </QueryStates>
        </section>
      )}
      {selected && (
        <CampaignContactsPanel
          key={selected.key}
          campaignId={id}
          title={t(`funnel.${selected.key}`)}
          filter={selected.filter}
          running={running}
        />
      )}
    </div>
  );
}
