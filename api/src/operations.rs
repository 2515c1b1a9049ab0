//! Campaign operations the API calls: launch, stop, retry, relaunch.
//!
//! Each is a store transaction (the database decides, atomically, whether the operation applies)
//! and one Temporal call. A launch or retry commits only once Temporal has accepted the
//! workflow's start, so when Temporal is down the answer is 503 and nothing has changed; the
//! workflow's first read of the audience waits for that commit (see
//! `Store::queued_audience_page`). Launch is idempotent: the campaign row leaves `draft` exactly
//! once and the workflow id `campaign-{id}` refuses a duplicate run, so a repeated call starts
//! nothing and answers "not a draft". A relaunch copies a finished campaign once.

use campaign_activities::store::{
    LaunchOutcome, PendingStart, RelaunchOutcome, RetryOutcome, Store, StoreError,
};
use campaign_activities::{Pacing, SendPolicy};
use campaign_workflows::{Campaign, CampaignInput, CampaignProgress, CampaignSettings, TaskQueues};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use temporalio_client::errors::WorkflowStartError;
use temporalio_client::{
    Client, WorkflowCancelOptions, WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
    WorkflowStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;

/// Campaign settings an operator may override per campaign; anything else is refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsOverrides {
    pub interaction_window_secs: Option<f64>,
    pub cutoff_secs: Option<f64>,
    pub send_interval_secs: Option<f64>,
    pub batch_size: Option<u32>,
    pub batch_pause_secs: Option<f64>,
    pub max_in_flight: Option<u32>,
    pub max_send_attempts: Option<u32>,
    pub retry_base_delay_secs: Option<f64>,
    pub rate_limit_delay_secs: Option<f64>,
    pub send_timeout_secs: Option<f64>,
}

/// The settings a campaign runs with, snapshotted into its row and workflow at launch (R16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsSnapshot {
    pub interaction_window_secs: f64,
    pub cutoff_secs: f64,
    pub send_interval_secs: f64,
    pub batch_size: u32,
    pub batch_pause_secs: f64,
    pub max_in_flight: u32,
    pub max_send_attempts: u32,
    pub retry_base_delay_secs: f64,
    pub rate_limit_delay_secs: f64,
    pub send_timeout_secs: f64,
    /// What the operator asked for, kept so a relaunch starts from the same request.
    pub overrides: SettingsOverrides,
}

impl Default for SettingsSnapshot {
    /// SPEC defaults: 24 h window, 48 h cutoff, 25 s between sends, a 5 min pause every 25,
    /// three attempts 60 s apart (doubling), 429s wait at least 60 s.
    fn default() -> Self {
        SettingsSnapshot {
            interaction_window_secs: 24.0 * 3600.0,
            cutoff_secs: 48.0 * 3600.0,
            send_interval_secs: 25.0,
            batch_size: 25,
            batch_pause_secs: 300.0,
            max_in_flight: 500,
            max_send_attempts: 3,
            retry_base_delay_secs: 60.0,
            rate_limit_delay_secs: 60.0,
            send_timeout_secs: 60.0,
            overrides: SettingsOverrides::default(),
        }
    }
}

/// The longest duration a setting may take (30 days): longer is a typo, and durations must fit
/// the workflow's millisecond timers.
const MAX_DURATION_SECS: f64 = 30.0 * 24.0 * 3600.0;

/// The shortest send attempt: room for a pacing wait (up to 5 s), a provider call and the
/// margin the send keeps before its deadline (it never calls the provider without time left).
const MIN_SEND_TIMEOUT_SECS: f64 = 10.0;

/// The widest sending window: one campaign run starts at most this many journeys.
const MAX_IN_FLIGHT_LIMIT: u32 = campaign_workflows::campaign::MAX_CHILDREN_PER_RUN as u32;

impl SettingsSnapshot {
    /// The snapshot stored at launch (R16): `self` (the defaults) with the overrides a draft
    /// stores, as JSON.
    fn snapshot(&self, stored: &serde_json::Value) -> Result<serde_json::Value, String> {
        let overrides: SettingsOverrides =
            serde_json::from_value(stored.clone()).map_err(|err| err.to_string())?;
        serde_json::to_value(self.with_overrides(overrides)?).map_err(|err| err.to_string())
    }

    /// Applies an operator's overrides to `self` (the defaults), refusing nonsense.
    pub fn with_overrides(&self, overrides: SettingsOverrides) -> Result<SettingsSnapshot, String> {
        let mut settings = self.clone();
        let secs = |value: Option<f64>, current: f64, name: &str, min: f64| match value {
            None => Ok(current),
            Some(v) if v.is_finite() && (min..=MAX_DURATION_SECS).contains(&v) => Ok(v),
            Some(v) => Err(format!(
                "{name} must be between {min} and {MAX_DURATION_SECS} seconds, got {v}"
            )),
        };
        settings.interaction_window_secs = secs(
            overrides.interaction_window_secs,
            self.interaction_window_secs,
            "interaction_window_secs",
            0.001,
        )?;
        settings.cutoff_secs = secs(
            overrides.cutoff_secs,
            self.cutoff_secs,
            "cutoff_secs",
            0.001,
        )?;
        settings.send_interval_secs = secs(
            overrides.send_interval_secs,
            self.send_interval_secs,
            "send_interval_secs",
            0.0,
        )?;
        settings.batch_pause_secs = secs(
            overrides.batch_pause_secs,
            self.batch_pause_secs,
            "batch_pause_secs",
            0.0,
        )?;
        settings.retry_base_delay_secs = secs(
            overrides.retry_base_delay_secs,
            self.retry_base_delay_secs,
            "retry_base_delay_secs",
            0.001,
        )?;
        settings.rate_limit_delay_secs = secs(
            overrides.rate_limit_delay_secs,
            self.rate_limit_delay_secs,
            "rate_limit_delay_secs",
            0.0,
        )?;
        settings.send_timeout_secs = secs(
            overrides.send_timeout_secs,
            self.send_timeout_secs,
            "send_timeout_secs",
            MIN_SEND_TIMEOUT_SECS,
        )?;
        settings.batch_size = overrides.batch_size.unwrap_or(self.batch_size);
        settings.max_in_flight = overrides.max_in_flight.unwrap_or(self.max_in_flight);
        settings.max_send_attempts = overrides
            .max_send_attempts
            .unwrap_or(self.max_send_attempts);
        if settings.max_in_flight == 0 || settings.max_in_flight > MAX_IN_FLIGHT_LIMIT {
            return Err(format!(
                "max_in_flight must be between 1 and {MAX_IN_FLIGHT_LIMIT}"
            ));
        }
        if settings.max_send_attempts == 0 || settings.batch_size == 0 {
            return Err("max_send_attempts and batch_size must be at least 1".to_owned());
        }
        settings.overrides = overrides;
        Ok(settings)
    }

    fn workflow_settings(&self) -> CampaignSettings {
        let ms = |secs: f64| (secs * 1000.0).round() as u64;
        CampaignSettings {
            interaction_window_ms: ms(self.interaction_window_secs),
            cutoff_ms: ms(self.cutoff_secs),
            max_in_flight: self.max_in_flight,
            pacing: (self.send_interval_secs > 0.0 || self.batch_pause_secs > 0.0).then(|| {
                Pacing {
                    interval_ms: ms(self.send_interval_secs),
                    batch_size: self.batch_size,
                    batch_pause_ms: ms(self.batch_pause_secs),
                }
            }),
            send_policy: SendPolicy {
                max_attempts: self.max_send_attempts,
                retry_base_delay_ms: ms(self.retry_base_delay_secs),
                rate_limit_delay_ms: ms(self.rate_limit_delay_secs),
                attempt_timeout_ms: ms(self.send_timeout_secs),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("campaign not found")]
    NotFound,
    #[error("campaign is {status}, not a draft")]
    NotDraft { status: String },
    #[error("campaign is {status}; only a finished campaign can be retried or relaunched")]
    NotFinished { status: String },
    #[error("campaign was already relaunched as campaign {campaign_id}; relaunch that one")]
    AlreadyRelaunched { campaign_id: i64 },
    #[error("the campaign's previous run is still closing; try again in a moment")]
    RunStillOpen,
    #[error("campaign has no failed journey to retry")]
    NothingToRetry,
    #[error("the campaign's categories contain no contact")]
    NoContacts,
    #[error("daily message limit: {remaining} sends left today, the audience needs {needed}")]
    QuotaExceeded { remaining: i64, needed: i64 },
    #[error("invalid settings: {0}")]
    InvalidSettings(String),
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
}

/// What the operations need: the store, a Temporal client, the engine's queues and limits.
#[derive(Clone)]
pub struct Engine {
    pub store: Store,
    pub client: Client,
    pub task_queues: TaskQueues,
    pub daily_limit: i32,
    pub defaults: SettingsSnapshot,
}

impl Engine {
    /// Launches a draft campaign (see the module docs).
    pub async fn launch(&self, campaign_id: i64) -> Result<Launched, OperationError> {
        let defaults = self.defaults.clone();
        let outcome = self
            .store
            .launch_campaign(
                campaign_id,
                campaign_workflows::campaign_workflow_id,
                self.daily_limit,
                move |stored| defaults.snapshot(stored),
            )
            .await?;
        self.start_launched(outcome).await
    }

    /// Starts the workflow of a launch the store has decided, then makes the launch visible.
    async fn start_launched(&self, outcome: LaunchOutcome) -> Result<Launched, OperationError> {
        match outcome {
            LaunchOutcome::Launched(pending) => {
                let launched = self.start(pending, |started_at| started_at).await?;
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
            LaunchOutcome::NoContacts => Err(OperationError::NoContacts),
            LaunchOutcome::QuotaExceeded { remaining, needed } => {
                Err(OperationError::QuotaExceeded { remaining, needed })
            }
        }
    }

    /// Stops a running campaign: its workflow closes every open journey as `cancelled`.
    pub async fn stop(&self, campaign_id: i64) -> Result<(), OperationError> {
        match self.store.campaign_status(campaign_id).await?.as_deref() {
            None => return Err(OperationError::NotFound),
            Some("running") => {}
            // A launch may commit between the read and the update: then it is running, and
            // its workflow is the one to stop.
            Some("draft") if self.store.cancel_draft(campaign_id).await? => return Ok(()),
            Some("draft") => {}
            Some(status) => {
                return Err(OperationError::NotDraft {
                    status: status.to_owned(),
                });
            }
        }
        self.client
            .get_workflow_handle::<Campaign>(campaign_workflows::campaign_workflow_id(campaign_id))
            .cancel(
                WorkflowCancelOptions::builder()
                    .reason("stopped by an operator".to_owned())
                    .build(),
            )
            .await
            .map_err(|err| OperationError::Temporal(err.to_string()))?;
        Ok(())
    }

    /// Starts new journeys for the failed contacts of a finished campaign, nothing else.
    pub async fn retry(&self, campaign_id: i64) -> Result<Launched, OperationError> {
        match self.store.requeue_failed(campaign_id).await? {
            // The cutoff counts from the retry, not from the first launch.
            RetryOutcome::Requeued(pending) => {
                self.start(pending, |started_at| started_at.max(Utc::now()))
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
    pub async fn relaunch(&self, campaign_id: i64) -> Result<Launched, OperationError> {
        let defaults = self.defaults.clone();
        let outcome = self
            .store
            .relaunch_campaign(
                campaign_id,
                campaign_workflows::campaign_workflow_id,
                self.daily_limit,
                move |stored| defaults.snapshot(stored),
            )
            .await?;
        match outcome {
            RelaunchOutcome::Copied { launch, .. } => self.start_launched(launch).await,
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
        pending: PendingStart,
        cutoff_from: impl FnOnce(DateTime<Utc>) -> DateTime<Utc>,
    ) -> Result<Launched, OperationError> {
        let settings: SettingsSnapshot = serde_json::from_value(pending.settings.clone())
            .map_err(|err| OperationError::InvalidSettings(err.to_string()))?;
        let campaign_id = pending.campaign_id;
        self.start_campaign_workflow(campaign_id, &settings, cutoff_from(pending.started_at))
            .await?;
        let total_contacts = pending.journeys;
        pending.commit().await?;
        Ok(Launched {
            campaign_id,
            workflow_id: campaign_workflows::campaign_workflow_id(campaign_id),
            total_contacts,
        })
    }

    async fn start_campaign_workflow(
        &self,
        campaign_id: i64,
        settings: &SettingsSnapshot,
        started_at: DateTime<Utc>,
    ) -> Result<(), OperationError> {
        let workflow_id = campaign_workflows::campaign_workflow_id(campaign_id);
        let input = CampaignInput {
            campaign_id,
            settings: settings.workflow_settings(),
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
                campaign_workflows::CAMPAIGN_ID.value_set(campaign_id.to_string())
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
