//! Scheduled launches (R20): a draft waits as `scheduled` for its launch time, then launches
//! exactly as `send` does (audience snapshot, quota check), or fails with the reason.
//!
//! Scheduling and unscheduling hold the campaign's row lock until the Temporal call that goes
//! with them (starting or cancelling the `ScheduledLaunch` workflow) has been accepted, like a
//! launch ([`crate::PendingStart`]): when Temporal is down nothing changes. The launch at the
//! scheduled time is decided under the same lock and applies only to the schedule it was made
//! for (the campaign still `scheduled`, at that very time), so an unschedule racing it either
//! lands first (the launch then does nothing) or is refused (the campaign already runs). A
//! repeated launch (an activity retried after a crash) answers what the first one decided.

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry};
use crate::campaigns::{
    LaunchOutcome, LaunchRules, launch_settings, messaging_limit_reason, no_contacts_reason,
    quota_reason, status_and_settings_for_update, status_for_update,
};
use campaign_domain::{CampaignSettings, CampaignState};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

/// Longest kept reason of a refused scheduled launch (`campaigns_failure_reason_check`).
const MAX_FAILURE_REASON_CHARS: usize = 500;

/// A schedule or unschedule decided in the database, made visible by [`PendingSchedule::commit`]
/// once Temporal has accepted the workflow's start or cancellation; dropping it changes nothing.
pub struct PendingSchedule {
    tx: Transaction<'static, Postgres>,
    pub campaign_id: i64,
}

impl PendingSchedule {
    pub async fn commit(mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit::record(&mut *self.tx, entry).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::fmt::Debug for PendingSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSchedule")
            .field("campaign_id", &self.campaign_id)
            .finish_non_exhaustive()
    }
}

/// What [`Store::schedule_campaign`] decided.
#[derive(Debug)]
pub enum ScheduleOutcome {
    /// The settings the launch will resolve again at its time, valid now.
    Scheduled {
        pending: PendingSchedule,
        settings: Box<CampaignSettings>,
    },
    NotFound,
    NotDraft {
        status: CampaignState,
    },
    InvalidSettings {
        reason: String,
    },
}

/// What [`Store::unschedule_campaign`] decided.
#[derive(Debug)]
pub enum UnscheduleOutcome {
    Unscheduled {
        pending: PendingSchedule,
        scheduled_at: DateTime<Utc>,
    },
    NotFound,
    NotScheduled {
        status: CampaignState,
    },
}

/// What became of a scheduled launch at its time.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduledLaunch {
    /// The campaign runs: its workflow is to be started with these settings, the cutoff
    /// counting from `started_at`.
    Launched {
        settings: Box<CampaignSettings>,
        started_at: DateTime<Utc>,
        total_contacts: i64,
    },
    /// The launch was refused and the campaign `failed` with this reason.
    Refused { reason: String },
    /// The schedule no longer stands (unscheduled, or scheduled again for another time).
    Superseded,
}

impl Store {
    /// Moves a draft to `scheduled` for `at`, its settings checked now (see the module docs).
    pub async fn schedule_campaign(
        &self,
        campaign_id: i64,
        at: DateTime<Utc>,
        defaults: &CampaignSettings,
    ) -> Result<ScheduleOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some((status, stored)) = status_and_settings_for_update(&mut tx, campaign_id).await?
        else {
            return Ok(ScheduleOutcome::NotFound);
        };
        if status != CampaignState::Draft {
            return Ok(ScheduleOutcome::NotDraft { status });
        }
        let settings = match launch_settings(stored, defaults) {
            Ok(settings) => settings,
            Err(reason) => return Ok(ScheduleOutcome::InvalidSettings { reason }),
        };
        sqlx::query!(
            "UPDATE campaigns SET status = 'scheduled', scheduled_at = $2, updated_at = now() WHERE id = $1",
            campaign_id,
            at,
        )
        .execute(&mut *tx)
        .await?;
        Ok(ScheduleOutcome::Scheduled {
            pending: PendingSchedule { tx, campaign_id },
            settings: Box::new(settings),
        })
    }

    /// Returns a scheduled campaign to draft (see the module docs).
    pub async fn unschedule_campaign(
        &self,
        campaign_id: i64,
    ) -> Result<UnscheduleOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query!(
            r#"SELECT status AS "status: CampaignState", scheduled_at FROM campaigns WHERE id = $1 FOR UPDATE"#,
            campaign_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(UnscheduleOutcome::NotFound);
        };
        let (CampaignState::Scheduled, Some(scheduled_at)) = (row.status, row.scheduled_at) else {
            return Ok(UnscheduleOutcome::NotScheduled { status: row.status });
        };
        sqlx::query!(
            "UPDATE campaigns SET status = 'draft', scheduled_at = NULL, updated_at = now() WHERE id = $1",
            campaign_id,
        )
        .execute(&mut *tx)
        .await?;
        Ok(UnscheduleOutcome::Unscheduled {
            pending: PendingSchedule { tx, campaign_id },
            scheduled_at,
        })
    }

    /// The launch of the campaign scheduled for `at`, at that time: the same launch as `send`
    /// ([`Store::launch_campaign`]), committed with `entry` at once (the workflow that asks
    /// starts the campaign's run next, durably). A refusal marks the campaign `failed` with the
    /// reason and `refused` as its audit row.
    pub async fn launch_scheduled_campaign(
        &self,
        campaign_id: i64,
        at: DateTime<Utc>,
        rules: &LaunchRules<'_>,
        launched: AuditEntry,
        refused: AuditEntry,
    ) -> Result<ScheduledLaunch, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(status) = status_for_update(&mut tx, campaign_id).await? else {
            return Ok(ScheduledLaunch::Superseded);
        };
        let row = sqlx::query!(
            r#"SELECT scheduled_at, settings AS "settings: serde_json::Value", started_at, total_contacts,
                 failure_reason FROM campaigns WHERE id = $1"#,
            campaign_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        if row.scheduled_at != Some(at) {
            return Ok(ScheduledLaunch::Superseded);
        }
        match status {
            CampaignState::Scheduled => {}
            CampaignState::Draft | CampaignState::Cancelled => {
                return Ok(ScheduledLaunch::Superseded);
            }
            // This launch was decided before (the activity is being retried): the same answer.
            CampaignState::Failed => {
                return Ok(match row.failure_reason {
                    Some(reason) => ScheduledLaunch::Refused { reason },
                    None => ScheduledLaunch::Superseded,
                });
            }
            CampaignState::Running | CampaignState::Completed => {
                let settings: CampaignSettings = serde_json::from_value(row.settings)
                    .map_err(|err| StoreError::Database(sqlx::Error::Decode(err.into())))?;
                return Ok(ScheduledLaunch::Launched {
                    settings: Box::new(settings),
                    started_at: row.started_at.unwrap_or(at),
                    total_contacts: i64::from(row.total_contacts),
                });
            }
        }
        let reason = match Self::launch_in(tx, campaign_id, CampaignState::Scheduled, rules).await?
        {
            LaunchOutcome::Launched(pending) => {
                let (settings, started_at, total_contacts) = (
                    pending.settings.clone(),
                    pending.started_at,
                    pending.journeys,
                );
                let summary = serde_json::json!({
                    "scheduled_at": at,
                    "total_contacts": total_contacts,
                    "opted_out_excluded": pending.opted_out_excluded,
                    "capped_excluded": pending.capped_excluded,
                });
                pending.commit(&launched.summary(summary)).await?;
                return Ok(ScheduledLaunch::Launched {
                    settings: Box::new(settings),
                    started_at,
                    total_contacts,
                });
            }
            LaunchOutcome::NotFound | LaunchOutcome::NotDraft { .. } => {
                return Ok(ScheduledLaunch::Superseded);
            }
            LaunchOutcome::InvalidSettings { reason } => format!("invalid settings: {reason}"),
            LaunchOutcome::NoContacts {
                opted_out_excluded,
                capped_excluded,
            } => no_contacts_reason(opted_out_excluded, capped_excluded),
            LaunchOutcome::QuotaExceeded { remaining, needed } => quota_reason(remaining, needed),
            LaunchOutcome::MessagingLimitExceeded {
                remaining,
                needed,
                limit,
            } => messaging_limit_reason(remaining, needed, limit),
            LaunchOutcome::TemplateRefused { reason } => reason,
        };
        self.fail_scheduled(campaign_id, at, &reason, refused).await
    }

    /// Marks the campaign scheduled for `at` `failed` with `reason`, if that schedule still
    /// stands.
    async fn fail_scheduled(
        &self,
        campaign_id: i64,
        at: DateTime<Utc>,
        reason: &str,
        entry: AuditEntry,
    ) -> Result<ScheduledLaunch, StoreError> {
        let reason: String = reason.chars().take(MAX_FAILURE_REASON_CHARS).collect();
        let mut tx = self.pool.begin().await?;
        let failed = sqlx::query!(
            "UPDATE campaigns SET status = 'failed', failure_reason = $3, completed_at = now(), updated_at = now(), \
             final_stats = campaign_final_stats(campaigns) \
             WHERE id = $1 AND status = 'scheduled' AND scheduled_at = $2",
            campaign_id,
            at,
            reason,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if failed == 0 {
            return Ok(ScheduledLaunch::Superseded);
        }
        audit::record(
            &mut *tx,
            &entry.summary(serde_json::json!({ "scheduled_at": at, "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        Ok(ScheduledLaunch::Refused { reason })
    }
}
