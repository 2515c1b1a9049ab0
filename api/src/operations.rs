//! Campaign operations the API calls: launch, stop, retry, relaunch.
//!
//! Each is a store transaction (the database decides, atomically, whether the operation applies)
//! and one Temporal call. A launch or retry commits only once Temporal has accepted the
//! workflow's start, so when Temporal is down the answer is 503 and nothing has changed; the
//! workflow's first read of the audience waits for that commit (see
//! `Store::queued_audience_page`). Launch is idempotent: the campaign row leaves `draft` exactly
//! once and the workflow id `campaign-{id}` refuses a duplicate run, so a repeated call starts
//! nothing and answers "not a draft". A relaunch copies a finished campaign once.
//!
//! A schedule (R20) is the same pattern: the campaign becomes `scheduled` once Temporal has
//! accepted its `ScheduledLaunch` workflow, and a draft again once Temporal has accepted that
//! workflow's cancellation.
//!
//! Each operation writes its audit row (R22) by `by`: a launch, retry or relaunch in the
//! transaction that commits it, a stop once Temporal has accepted the cancellation (the
//! workflow, not the API, then changes the rows).

use campaign_domain::send_estimate::campaign_last_message_1;
use campaign_domain::{
    AuditAction, AuditTarget, CampaignSettings, CampaignState, CampaignWorkflowId, Channel,
    InvalidLaunchTime, LaunchTime, ScheduledLaunchWorkflowId,
};
use campaign_store::audit::AuditEntry;
use campaign_store::campaigns::{messaging_limit_reason, no_contacts_reason, quota_reason};
use campaign_store::{
    LaunchOutcome, LaunchRules, Origin, PendingStart, RelaunchOutcome, RetryOutcome,
    ScheduleOutcome, Store, StoreError, UnscheduleOutcome,
};
use campaign_workflows::{
    CAMPAIGN_ID, Campaign, CampaignInput, CampaignProgress, LaunchScheduledInput, ScheduledLaunch,
    ScheduledLaunchInput, TaskQueues,
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use temporalio_client::errors::{WorkflowInteractionError, WorkflowStartError};
use temporalio_client::{
    Client, WorkflowCancelOptions, WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
    WorkflowStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("campaign not found")]
    NotFound,
    #[error("campaign is {status}, not a draft")]
    NotDraft { status: CampaignState },
    #[error("campaign is {status}; only a finished campaign can be retried or relaunched")]
    NotFinished { status: CampaignState },
    #[error("campaign was already relaunched as campaign {campaign_id}; relaunch that one")]
    AlreadyRelaunched { campaign_id: i64 },
    #[error("the campaign's previous run is still closing; try again in a moment")]
    RunStillOpen,
    #[error("campaign has no failed journey to retry")]
    NothingToRetry,
    #[error("{}", no_contacts_reason(*.opted_out_excluded, *.capped_excluded))]
    NoContacts {
        opted_out_excluded: i64,
        capped_excluded: i64,
    },
    #[error("{}", quota_reason(*.remaining, *.needed))]
    QuotaExceeded { remaining: i64, needed: i64 },
    #[error("{}", messaging_limit_reason(*.remaining, *.needed, *.limit))]
    MessagingLimitExceeded {
        remaining: i64,
        needed: i64,
        limit: i32,
    },
    #[error("{0}")]
    TemplateRefused(String),
    #[error("invalid settings: {0}")]
    InvalidSettings(String),
    #[error(transparent)]
    InvalidLaunchTime(#[from] InvalidLaunchTime),
    #[error("campaign is {status}, not scheduled")]
    NotScheduled { status: CampaignState },
    #[error("campaign is scheduled: unschedule it first")]
    Scheduled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Temporal: {0}")]
    Temporal(String),
}

/// A campaign started (or restarted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Launched {
    pub campaign_id: i64,
    pub workflow_id: String,
    pub total_contacts: i64,
    /// Contacts of the audience left out because they opted out (R19).
    pub opted_out_excluded: i64,
    /// Contacts of the audience left out because they reached the frequency cap (R24).
    pub capped_excluded: i64,
    /// When the last Message 1 is expected to leave, given pacing, batch pauses and quiet
    /// hours in each contact's time zone (R21); other campaigns sharing the pacing clock and
    /// failed sends make it later.
    pub estimated_message_1_finish: DateTime<Utc>,
    /// The estimate falls after the campaign's cutoff: contacts still unsent then are not
    /// reached.
    pub finishes_after_cutoff: bool,
}

/// What the operations need: the store, a Temporal client, the engine's queues and limits.
#[derive(Clone)]
pub struct Engine {
    pub store: Store,
    pub client: Client,
    pub task_queues: TaskQueues,
    pub daily_limit: i32,
    /// The settings of a campaign whose operator overrides nothing.
    pub defaults: CampaignSettings,
    /// What the provider takes as Message 1 (SPEC §7).
    pub channel: Channel,
}

impl Engine {
    /// What launches are checked against.
    fn launch_rules(&self) -> LaunchRules<'_> {
        LaunchRules {
            daily_limit: self.daily_limit,
            defaults: &self.defaults,
            channel: self.channel,
        }
    }

    /// Launches a draft campaign (see the module docs).
    pub async fn launch(&self, campaign_id: i64, by: &Origin) -> Result<Launched, OperationError> {
        let outcome = self
            .store
            .launch_campaign(campaign_id, &self.launch_rules())
            .await?;
        self.start_launched(outcome, by.entry(AuditAction::CampaignSend), None)
            .await
    }

    /// Starts the workflow of a launch the store has decided, then makes the launch visible.
    async fn start_launched(
        &self,
        outcome: LaunchOutcome,
        entry: AuditEntry,
        relaunched_from: Option<i64>,
    ) -> Result<Launched, OperationError> {
        match outcome {
            LaunchOutcome::Launched(pending) => {
                let entry = entry.summary(serde_json::json!({
                    "total_contacts": pending.journeys,
                    "relaunched_from": relaunched_from,
                }));
                let launched = self.start(*pending, entry, |started_at| started_at).await?;
                tracing::info!(
                    campaign_id = launched.campaign_id,
                    total_contacts = launched.total_contacts,
                    "campaign launched"
                );
                Ok(launched)
            }
            LaunchOutcome::NotFound => Err(OperationError::NotFound),
            LaunchOutcome::NotDraft { status } => {
                tracing::info!(%status, "repeated launch ignored");
                Err(OperationError::NotDraft { status })
            }
            LaunchOutcome::InvalidSettings { reason } => {
                Err(OperationError::InvalidSettings(reason))
            }
            LaunchOutcome::NoContacts {
                opted_out_excluded,
                capped_excluded,
            } => Err(OperationError::NoContacts {
                opted_out_excluded,
                capped_excluded,
            }),
            LaunchOutcome::QuotaExceeded { remaining, needed } => {
                Err(OperationError::QuotaExceeded { remaining, needed })
            }
            LaunchOutcome::MessagingLimitExceeded {
                remaining,
                needed,
                limit,
            } => Err(OperationError::MessagingLimitExceeded {
                remaining,
                needed,
                limit,
            }),
            LaunchOutcome::TemplateRefused { reason } => {
                Err(OperationError::TemplateRefused(reason))
            }
        }
    }

    /// Stops a running campaign: its workflow closes every open journey as `cancelled`.
    pub async fn stop(&self, campaign_id: i64, by: &Origin) -> Result<(), OperationError> {
        let entry = by
            .entry(AuditAction::CampaignStop)
            .target(AuditTarget::Campaign, campaign_id);
        match self.store.campaign_status(campaign_id).await? {
            None => return Err(OperationError::NotFound),
            Some(CampaignState::Running) => {}
            // A launch may commit between the read and the update: then it is running, and
            // its workflow is the one to stop.
            Some(CampaignState::Draft)
                if self
                    .store
                    .cancel_draft(
                        campaign_id,
                        &entry.clone().summary(serde_json::json!({ "was": "draft" })),
                    )
                    .await? =>
            {
                return Ok(());
            }
            Some(CampaignState::Draft) => {}
            Some(CampaignState::Scheduled) => return Err(OperationError::Scheduled),
            Some(status) => return Err(OperationError::NotDraft { status }),
        }
        self.client
            .get_workflow_handle::<Campaign>(CampaignWorkflowId::new(campaign_id).to_string())
            .cancel(
                WorkflowCancelOptions::builder()
                    .reason("stopped by an operator".to_owned())
                    .build(),
            )
            .await
            .map_err(|err| OperationError::Temporal(err.to_string()))?;
        self.store
            .record_audit(&entry.summary(serde_json::json!({ "was": "running" })))
            .await?;
        Ok(())
    }

    /// Schedules a draft's launch at `at` (R20): see the module docs.
    pub async fn schedule(
        &self,
        campaign_id: i64,
        at: LaunchTime,
        by: &Origin,
    ) -> Result<(), OperationError> {
        let at = at.at();
        let pending = match self
            .store
            .schedule_campaign(campaign_id, at, &self.defaults)
            .await?
        {
            ScheduleOutcome::Scheduled { pending, .. } => pending,
            ScheduleOutcome::NotFound => return Err(OperationError::NotFound),
            ScheduleOutcome::NotDraft {
                status: CampaignState::Scheduled,
            } => return Err(OperationError::Scheduled),
            ScheduleOutcome::NotDraft { status } => {
                return Err(OperationError::NotDraft { status });
            }
            ScheduleOutcome::InvalidSettings { reason } => {
                return Err(OperationError::InvalidSettings(reason));
            }
        };
        let input = ScheduledLaunchInput {
            launch: LaunchScheduledInput {
                campaign_id,
                at_ms: at.timestamp_millis(),
                defaults: self.defaults.clone(),
                scheduled_by: by.actor.clone(),
            },
            task_queues: self.task_queues.clone(),
        };
        let options = WorkflowStartOptions::new(
            self.task_queues.message_1.clone(),
            ScheduledLaunchWorkflowId::new(campaign_id).to_string(),
        )
        .id_reuse_policy(WorkflowIdReusePolicy::AllowDuplicate)
        // The run of an earlier schedule may still be closing after its cancellation;
        // the database already refuses it anything, so it simply gives way.
        .id_conflict_policy(WorkflowIdConflictPolicy::TerminateExisting)
        .search_attributes(SearchAttributes::new([
            CAMPAIGN_ID.value_set(campaign_id.to_string())
        ]))
        .build();
        self.client
            .start_workflow(ScheduledLaunch::run, input, options)
            .await
            .map_err(|err| OperationError::Temporal(err.to_string()))?;
        pending
            .commit(
                &by.entry(AuditAction::CampaignSchedule)
                    .target(AuditTarget::Campaign, campaign_id)
                    .summary(serde_json::json!({ "at": at })),
            )
            .await?;
        tracing::info!(campaign_id, %at, "campaign scheduled");
        Ok(())
    }

    /// Returns a scheduled campaign to draft, cancelling its launch.
    pub async fn unschedule(&self, campaign_id: i64, by: &Origin) -> Result<(), OperationError> {
        let (pending, scheduled_at) = match self.store.unschedule_campaign(campaign_id).await? {
            UnscheduleOutcome::Unscheduled {
                pending,
                scheduled_at,
            } => (pending, scheduled_at),
            UnscheduleOutcome::NotFound => return Err(OperationError::NotFound),
            UnscheduleOutcome::NotScheduled { status } => {
                return Err(OperationError::NotScheduled { status });
            }
        };
        let cancelled = self
            .client
            .get_workflow_handle::<ScheduledLaunch>(
                ScheduledLaunchWorkflowId::new(campaign_id).to_string(),
            )
            .cancel(
                WorkflowCancelOptions::builder()
                    .reason("unscheduled by an operator".to_owned())
                    .build(),
            )
            .await;
        match cancelled {
            // Already closed: the database refuses it anything once this commits.
            Ok(()) | Err(WorkflowInteractionError::NotFound(_)) => {}
            Err(err) => return Err(OperationError::Temporal(err.to_string())),
        }
        pending
            .commit(
                &by.entry(AuditAction::CampaignUnschedule)
                    .target(AuditTarget::Campaign, campaign_id)
                    .summary(serde_json::json!({ "was_at": scheduled_at })),
            )
            .await?;
        tracing::info!(campaign_id, "campaign unscheduled");
        Ok(())
    }

    /// Starts new journeys for the failed contacts of a finished campaign, nothing else.
    pub async fn retry(&self, campaign_id: i64, by: &Origin) -> Result<Launched, OperationError> {
        match self.store.requeue_failed(campaign_id).await? {
            // The cutoff counts from the retry, not from the first launch.
            RetryOutcome::Requeued(pending) => {
                let entry = by
                    .entry(AuditAction::CampaignRetry)
                    .summary(serde_json::json!({ "journeys": pending.journeys }));
                self.start(*pending, entry, |started_at| started_at.max(Utc::now()))
                    .await
            }
            RetryOutcome::NotFound => Err(OperationError::NotFound),
            RetryOutcome::NotFinished { status } => Err(OperationError::NotFinished { status }),
            RetryOutcome::NothingToRetry => Err(OperationError::NothingToRetry),
        }
    }

    /// A fresh run of a finished campaign as a new campaign (same texts, categories and
    /// overrides), once: a repeated relaunch answers with the first copy. The earlier campaign
    /// and its results stay as they are.
    pub async fn relaunch(
        &self,
        campaign_id: i64,
        by: &Origin,
    ) -> Result<Launched, OperationError> {
        let outcome = self
            .store
            .relaunch_campaign(campaign_id, &self.launch_rules())
            .await?;
        match outcome {
            RelaunchOutcome::Copied { launch, .. } => {
                self.start_launched(
                    launch,
                    by.entry(AuditAction::CampaignRelaunch),
                    Some(campaign_id),
                )
                .await
            }
            RelaunchOutcome::NotFound => Err(OperationError::NotFound),
            RelaunchOutcome::NotFinished { status } => Err(OperationError::NotFinished { status }),
            RelaunchOutcome::AlreadyRelaunched { campaign_id } => {
                Err(OperationError::AlreadyRelaunched { campaign_id })
            }
        }
    }

    /// Starts the campaign workflow of a launch or retry, and commits it only once Temporal has
    /// accepted the start: when Temporal is down the campaign stays as it was and the operator
    /// can simply try again.
    async fn start(
        &self,
        mut pending: PendingStart,
        entry: AuditEntry,
        cutoff_from: impl FnOnce(DateTime<Utc>) -> DateTime<Utc>,
    ) -> Result<Launched, OperationError> {
        let campaign_id = pending.campaign_id;
        let started_at = cutoff_from(pending.started_at);
        let zones = pending.queued_by_time_zone().await?;
        let estimated_message_1_finish = campaign_last_message_1(
            &pending.settings,
            started_at,
            zones
                .iter()
                .map(|(zone, contacts)| (zone.as_deref(), *contacts as u64)),
        )
        .unwrap_or(started_at);
        let finishes_after_cutoff =
            estimated_message_1_finish > started_at + pending.settings.cutoff();
        self.start_campaign_workflow(campaign_id, pending.settings.clone(), started_at)
            .await?;
        let (total_contacts, opted_out_excluded, capped_excluded) = (
            pending.journeys,
            pending.opted_out_excluded,
            pending.capped_excluded,
        );
        pending
            .commit(&entry.target(AuditTarget::Campaign, campaign_id))
            .await?;
        Ok(Launched {
            campaign_id,
            workflow_id: CampaignWorkflowId::new(campaign_id).to_string(),
            total_contacts,
            opted_out_excluded,
            capped_excluded,
            estimated_message_1_finish,
            finishes_after_cutoff,
        })
    }

    async fn start_campaign_workflow(
        &self,
        campaign_id: i64,
        settings: CampaignSettings,
        started_at: DateTime<Utc>,
    ) -> Result<(), OperationError> {
        let workflow_id = CampaignWorkflowId::new(campaign_id).to_string();
        let input = CampaignInput {
            campaign_id,
            settings,
            task_queues: self.task_queues.clone(),
            started_at_ms: started_at.timestamp_millis(),
            progress: CampaignProgress::default(),
        };
        let options = WorkflowStartOptions::new(self.task_queues.message_1.clone(), workflow_id)
            .id_reuse_policy(WorkflowIdReusePolicy::AllowDuplicate)
            // Never attach to a run still open: a retry right after completion would otherwise
            // hand its journeys to a run that is only closing (the retry then rolls back, 409).
            .id_conflict_policy(WorkflowIdConflictPolicy::Fail)
            .search_attributes(SearchAttributes::new([
                CAMPAIGN_ID.value_set(campaign_id.to_string())
            ]))
            .build();
        match self
            .client
            .start_workflow(Campaign::run, input, options)
            .await
        {
            Ok(_) => Ok(()),
            Err(WorkflowStartError::AlreadyStarted { .. }) => Err(OperationError::RunStillOpen),
            Err(err) => Err(OperationError::Temporal(err.to_string())),
        }
    }
}
