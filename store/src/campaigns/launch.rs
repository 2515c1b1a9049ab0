//! Starting a run: launch, retry of failed journeys, relaunch as a new campaign. A start is
//! decided under the campaign's row lock and stays invisible ([`PendingStart`]) until its
//! workflow has started.

use super::launch_checks;
use super::{status_and_settings_for_update, status_for_update};
use crate::audit::{self, AuditEntry};
use crate::counters::{BULK_SHARD, CounterDelta};
use crate::ledger;
use crate::{Store, StoreError};
use campaign_domain::{
    CampaignSettings, CampaignState, CampaignWorkflowId, Channel, SettingsOverrides,
};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

/// A launch or retry decided in the database but not yet visible. Its transaction holds the
/// campaign row's lock and commits only once the campaign workflow has started, so a Temporal
/// outage leaves the campaign exactly as it was (dropping this rolls back).
pub struct PendingStart {
    tx: Transaction<'static, Postgres>,
    pub campaign_id: i64,
    /// Journeys the run starts: the audience at launch, the failed ones on retry.
    pub journeys: i64,
    /// Contacts left out because they opted out (R19).
    pub opted_out_excluded: i64,
    /// Contacts left out because they reached the frequency cap (R24).
    pub capped_excluded: i64,
    pub settings: CampaignSettings,
    pub started_at: DateTime<Utc>,
}

impl PendingStart {
    /// Makes the launch or retry visible, once its workflow is running, with its audit row.
    pub async fn commit(mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit::record(&mut *self.tx, entry).await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// The run's queued journeys counted by their contact's own time zone (`None`: none set),
    /// for the estimate of when its last Message 1 leaves (R21).
    pub async fn queued_by_time_zone(&mut self) -> Result<Vec<(Option<String>, i64)>, StoreError> {
        let zones = sqlx::query!(
            r#"SELECT k.time_zone, count(*) AS "contacts!" FROM journeys j
               JOIN contacts k ON k.id = j.contact_id
               WHERE j.campaign_id = $1 AND j.state = 'queued' GROUP BY k.time_zone"#,
            self.campaign_id,
        )
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(zones
            .into_iter()
            .map(|zone| (zone.time_zone, zone.contacts))
            .collect())
    }
}

impl std::fmt::Debug for PendingStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingStart")
            .field("campaign_id", &self.campaign_id)
            .field("journeys", &self.journeys)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

/// What [`Store::launch_campaign`] did.
#[derive(Debug)]
pub enum LaunchOutcome {
    Launched(Box<PendingStart>),
    NotFound,
    NotDraft {
        status: CampaignState,
    },
    InvalidSettings {
        reason: String,
    },
    /// The audience is empty, or every contact in it opted out or reached the frequency cap.
    NoContacts {
        opted_out_excluded: i64,
        capped_excluded: i64,
    },
    QuotaExceeded {
        remaining: i64,
        needed: i64,
    },
    /// The business's messaging limit on the Meta provider cannot cover the audience.
    MessagingLimitExceeded {
        remaining: i64,
        needed: i64,
        limit: i32,
    },
    /// Message 1 (or Message 2's fallback) is not a template the provider can send: the reason
    /// names the problem.
    TemplateRefused {
        reason: String,
    },
}

/// What a launch is checked against: the daily quota (R10), the settings defaults (R16) and
/// what the provider takes as Message 1.
#[derive(Debug, Clone, Copy)]
pub struct LaunchRules<'a> {
    pub daily_limit: i32,
    pub defaults: &'a CampaignSettings,
    pub channel: Channel,
}

/// Why a launch the business's messaging limit cannot cover was refused (Meta).
pub fn messaging_limit_reason(remaining: i64, needed: i64, limit: i32) -> String {
    format!(
        "messaging limit: {remaining} of the business's {limit} contacts per 24 hours are left, the audience needs {needed}"
    )
}

/// Why a launch whose audience is empty was refused, in an operator's words.
pub fn no_contacts_reason(opted_out_excluded: i64, capped_excluded: i64) -> String {
    match (opted_out_excluded, capped_excluded) {
        (0, 0) => "the campaign's audience contains no contact".to_owned(),
        (opted_out, 0) => {
            format!("every contact of the campaign's audience opted out ({opted_out} left out)")
        }
        (opted_out, capped) => format!(
            "every contact of the campaign's audience opted out ({opted_out}) or reached the frequency cap ({capped})"
        ),
    }
}

/// Why a launch the daily limit cannot cover was refused (R10).
pub fn quota_reason(remaining: i64, needed: i64) -> String {
    format!("daily message limit: {remaining} sends left today, the audience needs {needed}")
}

/// What [`Store::requeue_failed`] did.
#[derive(Debug)]
pub enum RetryOutcome {
    Requeued(Box<PendingStart>),
    NotFound,
    NotFinished { status: CampaignState },
    NothingToRetry,
}

/// What [`Store::relaunch_campaign`] did.
#[derive(Debug)]
pub enum RelaunchOutcome {
    /// The copy `campaign_id` and its launch (which commits or rolls back the copy with it).
    Copied {
        campaign_id: i64,
        launch: LaunchOutcome,
    },
    NotFound,
    NotFinished {
        status: CampaignState,
    },
    /// The campaign was relaunched before, as `campaign_id`: relaunch that one to run again.
    AlreadyRelaunched {
        campaign_id: i64,
    },
}

impl Store {
    /// Launches a draft campaign in one transaction (R1, R10, R16): snapshots its audience (the
    /// distinct contacts of its categories and outcome sets, R23) as `queued` journeys and its
    /// settings, leaving out opt-outs (R19) and contacts at the frequency cap (R24), checks that
    /// today's remaining sends cover the audience, and marks it `running` under `workflow_id`.
    /// Nothing is visible until the returned [`PendingStart`] is committed.
    pub async fn launch_campaign(
        &self,
        campaign_id: i64,
        rules: &LaunchRules<'_>,
    ) -> Result<LaunchOutcome, StoreError> {
        let tx = self.pool.begin().await?;
        Self::launch_in(tx, campaign_id, CampaignState::Draft, rules).await
    }

    /// The launch of a campaign in status `from` (a draft, or a scheduled campaign at its time),
    /// on `tx`, which a refusal rolls back.
    pub(crate) async fn launch_in(
        mut tx: Transaction<'static, Postgres>,
        campaign_id: i64,
        from: CampaignState,
        rules: &LaunchRules<'_>,
    ) -> Result<LaunchOutcome, StoreError> {
        let Some((status, stored)) = status_and_settings_for_update(&mut tx, campaign_id).await?
        else {
            return Ok(LaunchOutcome::NotFound);
        };
        if status != from {
            return Ok(LaunchOutcome::NotDraft { status });
        }
        lock_launch(&mut tx, campaign_id).await?;
        let settings = match launch_settings(stored, rules.defaults) {
            Ok(settings) => settings,
            Err(reason) => return Ok(LaunchOutcome::InvalidSettings { reason }),
        };
        if let Err(reason) = launch_checks::templates(&mut tx, campaign_id, rules.channel).await? {
            return Ok(LaunchOutcome::TemplateRefused { reason });
        }
        // Contacts who opted out (R19) or reached the frequency cap (R24) are left out of the
        // snapshot, and counted. The cap is checked again right before each call.
        let cap = settings.frequency_cap;
        let audience = sqlx::query!(
            r#"WITH audience AS (SELECT a.contact_id, (k.opted_out_at IS NOT NULL) AS opted_out,
                     (k.opted_out_at IS NULL AND $2::integer IS NOT NULL AND message_1s_received_since(
                       a.contact_id, now() - make_interval(days => $3::integer)) >= $2::integer) AS capped
                   FROM audience_contacts(
                     ARRAY(SELECT category_id FROM campaign_categories WHERE campaign_id = $1),
                     campaign_audience_sets_json($1)) a
                   JOIN contacts k ON k.id = a.contact_id),
                 queued AS (INSERT INTO journeys (campaign_id, contact_id)
                   SELECT $1::bigint, contact_id FROM audience WHERE NOT opted_out AND NOT capped
                   ON CONFLICT DO NOTHING RETURNING 1)
               SELECT (SELECT count(*) FROM queued) AS "queued!",
                 (SELECT count(*) FROM audience WHERE opted_out) AS "opted_out!",
                 (SELECT count(*) FROM audience WHERE capped) AS "capped!""#,
            campaign_id,
            cap.map(|cap| cap.max_message_1() as i32),
            cap.map(|cap| cap.days() as i32),
        )
        .fetch_one(&mut *tx)
        .await?;
        let (total_contacts, opted_out_excluded, capped_excluded) =
            (audience.queued, audience.opted_out, audience.capped);
        if total_contacts == 0 {
            tx.rollback().await?;
            return Ok(LaunchOutcome::NoContacts {
                opted_out_excluded,
                capped_excluded,
            });
        }
        if let Some(refusal) =
            launch_checks::messaging_limit(&mut tx, rules.channel, total_contacts).await?
        {
            tx.rollback().await?;
            return Ok(refusal);
        }
        let sent_today = i64::from(ledger::sent_today(&mut *tx).await?);
        let remaining = (i64::from(rules.daily_limit) - sent_today).max(0);
        if total_contacts > remaining {
            tx.rollback().await?;
            return Ok(LaunchOutcome::QuotaExceeded {
                remaining,
                needed: total_contacts,
            });
        }
        let started_at = sqlx::query_scalar!(
            r#"UPDATE campaigns SET status = 'running', settings = $2, workflow_id = $3, total_contacts = $4,
                 opted_out_excluded = $5, capped_excluded = $6, started_at = now(), updated_at = now()
               WHERE id = $1 RETURNING started_at AS "started_at!""#,
            campaign_id,
            sqlx::types::Json(&settings) as _,
            CampaignWorkflowId::new(campaign_id).to_string(),
            total_contacts as i32,
            opted_out_excluded as i32,
            capped_excluded as i32,
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(LaunchOutcome::Launched(Box::new(PendingStart {
            tx,
            campaign_id,
            journeys: total_contacts,
            opted_out_excluded,
            capped_excluded,
            settings,
            started_at,
        })))
    }

    /// Gives a finished campaign's failed journeys a new start: they go back to `queued` (their
    /// never-accepted messages are removed so the new attempt may send), and the campaign runs
    /// again. Nothing is visible until the returned [`PendingStart`] is committed.
    pub async fn requeue_failed(&self, campaign_id: i64) -> Result<RetryOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query!(
            r#"SELECT status AS "status: CampaignState", settings AS "settings: sqlx::types::Json<CampaignSettings>"
               FROM campaigns WHERE id = $1 FOR UPDATE"#,
            campaign_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(RetryOutcome::NotFound);
        };
        if !matches!(row.status, CampaignState::Completed | CampaignState::Failed) {
            return Ok(RetryOutcome::NotFinished { status: row.status });
        }
        lock_launch(&mut tx, campaign_id).await?;
        let requeued = sqlx::query!(
            "UPDATE journeys SET state = 'queued', failure_reason = NULL, failure_kind = NULL, updated_at = now() \
             WHERE campaign_id = $1 AND state = 'failed' \
               AND contact_id NOT IN (SELECT id FROM contacts WHERE opted_out_at IS NOT NULL)",
            campaign_id,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        if requeued == 0 {
            tx.rollback().await?;
            return Ok(RetryOutcome::NothingToRetry);
        }
        let removed_failed = sqlx::query_scalar!(
            r#"WITH removed AS (DELETE FROM messages WHERE campaign_id = $1 AND status IN ('pending', 'failed')
                 AND contact_id IN (SELECT contact_id FROM journeys WHERE campaign_id = $1 AND state = 'queued')
                 RETURNING status)
               SELECT count(*) FILTER (WHERE status = 'failed') AS "removed_failed!" FROM removed"#,
            campaign_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        CounterDelta {
            failed: -(requeued as i32),
            messages_failed: -(removed_failed as i32),
            ..CounterDelta::default()
        }
        .apply(&mut tx, campaign_id, BULK_SHARD)
        .await?;
        let started_at = sqlx::query_scalar!(
            r#"UPDATE campaigns SET status = 'running', completed_at = NULL, final_stats = NULL, updated_at = now()
               WHERE id = $1 RETURNING started_at AS "started_at!""#,
            campaign_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(RetryOutcome::Requeued(Box::new(PendingStart {
            tx,
            campaign_id,
            journeys: requeued,
            opted_out_excluded: 0,
            capped_excluded: 0,
            settings: row.settings.0,
            started_at,
        })))
    }

    /// A fresh run of a finished campaign: a copy (texts, variants and their seed, categories,
    /// outcome sets, settings overrides) that
    /// remembers its source, launched in the same transaction, so a refused launch leaves no
    /// copy behind. A campaign is relaunched once (a repeated click finds the first copy,
    /// and the unique `campaigns_relaunched_from_key` backs it); the copy can be relaunched in
    /// turn. The original and its results stay as they are.
    pub async fn relaunch_campaign(
        &self,
        campaign_id: i64,
        rules: &LaunchRules<'_>,
    ) -> Result<RelaunchOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(status) = status_for_update(&mut tx, campaign_id).await? else {
            return Ok(RelaunchOutcome::NotFound);
        };
        if !status.is_finished() {
            return Ok(RelaunchOutcome::NotFinished { status });
        }
        let earlier = sqlx::query_scalar!(
            "SELECT id FROM campaigns WHERE relaunched_from = $1",
            campaign_id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(earlier) = earlier {
            return Ok(RelaunchOutcome::AlreadyRelaunched {
                campaign_id: earlier,
            });
        }
        // The copy keeps the original's variant seed, so each contact gets its variant (R25).
        let copy = sqlx::query_scalar!(
            "INSERT INTO campaigns (name, message_1, message_2, settings, created_by, relaunched_from, \
               message_1_template, message_2_template, variant_seed) \
             SELECT name, message_1, message_2, coalesce(settings -> 'overrides', settings), created_by, id, \
               message_1_template, message_2_template, coalesce(variant_seed, id) \
             FROM campaigns WHERE id = $1 RETURNING id",
            campaign_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO campaign_categories (campaign_id, category_id) \
             SELECT $2, category_id FROM campaign_categories WHERE campaign_id = $1",
            campaign_id,
            copy,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO campaign_audience_sets (campaign_id, source_campaign_id, outcome, failure_kind, exclude) \
             SELECT $2, source_campaign_id, outcome, failure_kind, exclude FROM campaign_audience_sets \
             WHERE campaign_id = $1",
            campaign_id,
            copy,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO campaign_variants (campaign_id, variant, message_1, message_1_template, weight) \
             SELECT $2, variant, message_1, message_1_template, weight FROM campaign_variants \
             WHERE campaign_id = $1",
            campaign_id,
            copy,
        )
        .execute(&mut *tx)
        .await?;
        let launch = Self::launch_in(tx, copy, CampaignState::Draft, rules).await?;
        Ok(RelaunchOutcome::Copied {
            campaign_id: copy,
            launch,
        })
    }
}

/// The settings a launch snapshots (R16): `defaults` with a draft's stored overrides, or why
/// they cannot be used.
pub(crate) fn launch_settings(
    stored: serde_json::Value,
    defaults: &CampaignSettings,
) -> Result<CampaignSettings, String> {
    let overrides =
        serde_json::from_value::<SettingsOverrides>(stored).map_err(|err| err.to_string())?;
    defaults
        .with_overrides(overrides)
        .map_err(|invalid| invalid.to_string())
}

/// Holds the campaign's launch lock until the transaction ends, so the campaign workflow's first
/// audience read ([`Store::queued_audience_page`]) waits for this launch or retry to decide.
async fn lock_launch(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
) -> Result<(), StoreError> {
    sqlx::query!("SELECT FROM lock_campaign_launch($1)", campaign_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
