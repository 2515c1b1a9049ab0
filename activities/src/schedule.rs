//! The launch of a scheduled campaign at its time (R20): the same launch as `send`, decided and
//! committed in the database (see `campaign_store::schedule`); the `ScheduledLaunch` workflow
//! then starts the campaign's run. Retrying the activity is safe: a launch already decided is
//! answered again, not made twice.

use campaign_domain::{AuditAction, AuditTarget, CampaignSettings, Channel};
use campaign_store::{Actor, AuditEntry, LaunchRules, ScheduledLaunch, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchScheduledInput {
    pub campaign_id: i64,
    /// The schedule this launch is for, Unix milliseconds.
    pub at_ms: i64,
    /// The engine's default settings when the campaign was scheduled.
    pub defaults: CampaignSettings,
    /// Who scheduled it: the launch is theirs in the audit log.
    pub scheduled_by: Actor,
}

/// What the launch decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchScheduledOutcome {
    Launched {
        settings: Box<CampaignSettings>,
        /// The launch time, Unix milliseconds: the cutoff runs from it.
        started_at_ms: i64,
        total_contacts: i64,
    },
    /// Refused (the quota, an empty audience): the campaign `failed` with this reason.
    Refused { reason: String },
    /// Unscheduled, or scheduled again for another time, before this launch ran.
    Superseded,
}

#[derive(Clone)]
pub struct ScheduleActivities {
    store: Store,
    daily_limit: i32,
    /// What the worker's provider takes as Message 1: the launch checks templates against it.
    channel: Channel,
}

impl ScheduleActivities {
    pub fn new(store: Store, daily_limit: i32, channel: Channel) -> Self {
        ScheduleActivities {
            store,
            daily_limit,
            channel,
        }
    }
}

#[activities]
impl ScheduleActivities {
    /// Launches the campaign scheduled for `at_ms`, once (see the module docs).
    #[activity]
    #[tracing::instrument(name = "launch_scheduled", skip_all, fields(campaign_id = input.campaign_id))]
    pub async fn launch_scheduled(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: LaunchScheduledInput,
    ) -> Result<LaunchScheduledOutcome, ActivityError> {
        let at = DateTime::<Utc>::from_timestamp_millis(input.at_ms).ok_or_else(|| {
            ApplicationFailure::builder(format!("launch time {} out of range", input.at_ms))
                .non_retryable(true)
                .build()
        })?;
        let entry = |action| {
            AuditEntry::new(input.scheduled_by.clone(), action)
                .target(AuditTarget::Campaign, input.campaign_id)
        };
        let outcome = self
            .store
            .launch_scheduled_campaign(
                input.campaign_id,
                at,
                &LaunchRules {
                    daily_limit: self.daily_limit,
                    defaults: &input.defaults,
                    channel: self.channel,
                },
                entry(AuditAction::CampaignSend),
                entry(AuditAction::CampaignLaunchFailed),
            )
            .await
            .map_err(|err| {
                ApplicationFailure::builder(err.to_string())
                    .type_name("DatabaseError".to_owned())
                    .build()
            })?;
        let campaign_id = input.campaign_id;
        Ok(match outcome {
            ScheduledLaunch::Launched {
                settings,
                started_at,
                total_contacts,
            } => {
                tracing::info!(campaign_id, total_contacts, "scheduled campaign launched");
                LaunchScheduledOutcome::Launched {
                    settings,
                    started_at_ms: started_at.timestamp_millis(),
                    total_contacts,
                }
            }
            ScheduledLaunch::Refused { reason } => {
                tracing::warn!(campaign_id, %reason, "scheduled launch refused");
                LaunchScheduledOutcome::Refused { reason }
            }
            ScheduledLaunch::Superseded => {
                tracing::info!(campaign_id, "scheduled launch no longer stands");
                LaunchScheduledOutcome::Superseded
            }
        })
    }
}
