//! Campaigns through their lifecycle (`draft → running → completed | failed | cancelled`): drafts
//! the API creates, edits and deletes, the launch, retry and relaunch that start a run, the
//! completion or cancellation that ends one, and the reads of a campaign and its contacts.
//!
//! Each write checks the campaign's status under its row lock in the same transaction as the
//! change, so an edit racing a launch either lands before it or is refused (a running campaign
//! never changes under its workflow), and a launch or retry stays invisible until its workflow
//! has started ([`PendingStart`]).

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry, AuditTarget};
use crate::counters::{BULK_SHARD, CounterDelta};
use crate::launch_checks;
use crate::ledger;
use crate::page::{Page, PageRequest};
use crate::reporting::FunnelStage;
use campaign_domain::{
    CampaignSettings, CampaignState, CampaignWorkflowId, Channel, FailureKind, JourneyState,
    MessageStatus, SettingsOverrides, Template, TemplateMessage,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgExecutor, Postgres, Transaction};

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
    /// The audience is empty, or every contact in it opted out.
    NoContacts {
        opted_out_excluded: i64,
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
pub fn no_contacts_reason(opted_out_excluded: i64) -> String {
    match opted_out_excluded {
        0 => "the campaign's categories contain no contact".to_owned(),
        n => format!("every contact of the campaign's categories opted out ({n} left out)"),
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

/// A campaign as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRecord {
    pub id: i64,
    pub name: String,
    pub message_1: String,
    pub message_2: String,
    /// The operator's overrides while a draft; the full snapshot once launched (R16).
    pub settings: serde_json::Value,
    pub status: CampaignState,
    pub workflow_id: Option<String>,
    pub category_ids: Vec<i64>,
    pub total_contacts: i32,
    pub final_stats: Option<serde_json::Value>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The launch time of a scheduled campaign (R20), kept once it has launched.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Why a scheduled launch was refused, when the campaign `failed` at its time.
    pub failure_reason: Option<String>,
    /// Message 1 as an approved template (the Meta provider).
    pub message_1_template: Option<Json<TemplateMessage>>,
    /// Message 2's template for a closed customer-service window (131047).
    pub message_2_template: Option<Json<TemplateMessage>>,
    /// Why the campaign is paused (its template paused by Meta, the provider refusing our
    /// credentials), and since when.
    pub paused_reason: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
}

/// A new draft: texts already parsed (R18), settings already validated by the caller.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    pub name: &'a str,
    /// Message 1's text; may be absent when Message 1 is a template.
    pub message_1: Option<&'a Template>,
    pub message_1_template: Option<&'a TemplateMessage>,
    pub message_2_template: Option<&'a TemplateMessage>,
    pub message_2: &'a Template,
    pub category_ids: &'a [i64],
    pub settings: &'a serde_json::Value,
    pub created_by: Option<i64>,
}

/// Changes to a draft; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    pub message_1: Option<Template>,
    /// `Some(None)` removes the template.
    pub message_1_template: Option<Option<TemplateMessage>>,
    pub message_2_template: Option<Option<TemplateMessage>>,
    pub message_2: Option<Template>,
    pub category_ids: Option<Vec<i64>>,
    pub settings: Option<serde_json::Value>,
}

/// What a draft write did.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftWrite {
    Saved(Box<CampaignRecord>),
    NotFound,
    /// Only drafts change; the campaign is in `status`.
    NotDraft {
        status: CampaignState,
    },
    /// These category ids do not exist; nothing was written.
    UnknownCategories(Vec<i64>),
}

/// What deleting a draft did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftDelete {
    Deleted,
    NotFound,
    NotDraft { status: CampaignState },
}

/// One contact of a campaign and where its journey stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignContact {
    pub contact_id: i64,
    pub phone: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub state: JourneyState,
    pub failure_reason: Option<String>,
    /// Why a `failed` or `limited` journey ended so.
    pub failure_kind: Option<FailureKind>,
    pub message_1_status: Option<MessageStatus>,
    pub message_2_status: Option<MessageStatus>,
    pub message_1_sent_at: Option<DateTime<Utc>>,
    pub first_interaction_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Creates a draft campaign aimed at `category_ids`, refusing unknown categories.
    pub async fn create_campaign(
        &self,
        new: NewCampaign<'_>,
        entry: &AuditEntry,
    ) -> Result<DraftWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let unknown = unknown_categories(&mut tx, new.category_ids).await?;
        if !unknown.is_empty() {
            return Ok(DraftWrite::UnknownCategories(unknown));
        }
        let id = sqlx::query_scalar!(
            "INSERT INTO campaigns (name, message_1, message_2, settings, created_by, \
               message_1_template, message_2_template) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            new.name,
            new.message_1.map_or("", Template::as_str),
            new.message_2.as_str(),
            new.settings as _,
            new.created_by,
            new.message_1_template.map(Json) as _,
            new.message_2_template.map(Json) as _,
        )
        .fetch_one(&mut *tx)
        .await?;
        link_categories(&mut tx, id, new.category_ids).await?;
        let record = fetch_campaign(&mut *tx, id)
            .await?
            .ok_or(StoreError::NotFound("campaign"))?;
        audit::record(&mut *tx, &entry.clone().target(AuditTarget::Campaign, id)).await?;
        tx.commit().await?;
        Ok(DraftWrite::Saved(Box::new(record)))
    }

    /// Applies `changes` to a draft; any other status is refused and nothing changes.
    pub async fn update_draft_campaign(
        &self,
        id: i64,
        changes: CampaignChanges,
        entry: &AuditEntry,
    ) -> Result<DraftWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        match status_for_update(&mut tx, id).await? {
            None => return Ok(DraftWrite::NotFound),
            Some(CampaignState::Draft) => {}
            Some(status) => return Ok(DraftWrite::NotDraft { status }),
        }
        if let Some(category_ids) = &changes.category_ids {
            let unknown = unknown_categories(&mut tx, category_ids).await?;
            if !unknown.is_empty() {
                return Ok(DraftWrite::UnknownCategories(unknown));
            }
            sqlx::query!("DELETE FROM campaign_categories WHERE campaign_id = $1", id)
                .execute(&mut *tx)
                .await?;
            link_categories(&mut tx, id, category_ids).await?;
        }
        sqlx::query!(
            "UPDATE campaigns SET name = coalesce($2, name), message_1 = coalesce($3, message_1), \
             message_2 = coalesce($4, message_2), settings = coalesce($5, settings), \
             message_1_template = CASE WHEN $6 THEN $7 ELSE message_1_template END, \
             message_2_template = CASE WHEN $8 THEN $9 ELSE message_2_template END, updated_at = now() \
             WHERE id = $1",
            id,
            changes.name,
            changes.message_1.as_ref().map(Template::as_str),
            changes.message_2.as_ref().map(Template::as_str),
            changes.settings as _,
            changes.message_1_template.is_some(),
            changes.message_1_template.flatten().map(Json) as _,
            changes.message_2_template.is_some(),
            changes.message_2_template.flatten().map(Json) as _,
        )
        .execute(&mut *tx)
        .await?;
        let record = fetch_campaign(&mut *tx, id)
            .await?
            .ok_or(StoreError::NotFound("campaign"))?;
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(DraftWrite::Saved(Box::new(record)))
    }

    /// Deletes a draft (its category links go with it); a launched campaign keeps its history.
    pub async fn delete_draft_campaign(
        &self,
        id: i64,
        entry: &AuditEntry,
    ) -> Result<DraftDelete, StoreError> {
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query!(
            "DELETE FROM campaigns WHERE id = $1 AND status = 'draft'",
            id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if deleted > 0 {
            audit::record(&mut *tx, entry).await?;
            tx.commit().await?;
            return Ok(DraftDelete::Deleted);
        }
        drop(tx);
        Ok(match self.campaign_status(id).await? {
            None => DraftDelete::NotFound,
            Some(status) => DraftDelete::NotDraft { status },
        })
    }

    pub async fn campaign(&self, id: i64) -> Result<CampaignRecord, StoreError> {
        fetch_campaign(&self.pool, id)
            .await?
            .ok_or(StoreError::NotFound("campaign"))
    }

    /// Campaigns, newest first, optionally only those in `status`.
    pub async fn list_campaigns(
        &self,
        status: Option<CampaignState>,
        page: PageRequest,
    ) -> Result<Page<CampaignRecord>, StoreError> {
        let status = status.map(CampaignState::as_str);
        let total = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM campaigns WHERE $1::text IS NULL OR status = $1"#,
            status,
        )
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as!(
            CampaignRecord,
            r#"SELECT c.id, c.name, c.message_1, c.message_2, c.settings AS "settings: serde_json::Value",
                 c.status AS "status: CampaignState", c.workflow_id,
                 ARRAY(SELECT cc.category_id FROM campaign_categories cc
                       WHERE cc.campaign_id = c.id ORDER BY cc.category_id) AS "category_ids!",
                 c.total_contacts, c.final_stats AS "final_stats: serde_json::Value", c.created_by, c.created_at, c.updated_at,
                 c.started_at, c.completed_at, c.scheduled_at, c.failure_reason,
                 c.message_1_template AS "message_1_template: Json<TemplateMessage>",
                 c.message_2_template AS "message_2_template: Json<TemplateMessage>",
                 c.paused_reason, c.paused_at
               FROM campaigns c WHERE $1::text IS NULL OR c.status = $1
               ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3"#,
            status,
            page.limit(),
            page.offset(),
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(page.page(items, total))
    }

    pub async fn campaign_status(
        &self,
        campaign_id: i64,
    ) -> Result<Option<CampaignState>, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT status AS "status: CampaignState" FROM campaigns WHERE id = $1"#,
            campaign_id,
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Launches a draft campaign in one transaction (R1, R10, R16): snapshots its audience (the
    /// distinct contacts of its categories) as `queued` journeys and its settings, checks that
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
        // Contacts who opted out are left out of the snapshot (R19), and counted.
        let audience = sqlx::query!(
            r#"WITH audience AS (SELECT DISTINCT cc.contact_id, (k.opted_out_at IS NOT NULL) AS opted_out
                   FROM contact_categories cc JOIN campaign_categories g ON g.category_id = cc.category_id
                   JOIN contacts k ON k.id = cc.contact_id WHERE g.campaign_id = $1),
                 queued AS (INSERT INTO journeys (campaign_id, contact_id)
                   SELECT $1::bigint, contact_id FROM audience WHERE NOT opted_out
                   ON CONFLICT DO NOTHING RETURNING 1)
               SELECT (SELECT count(*) FROM queued) AS "queued!",
                 (SELECT count(*) FROM audience WHERE opted_out) AS "opted_out!""#,
            campaign_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        let (total_contacts, opted_out_excluded) = (audience.queued, audience.opted_out);
        if total_contacts == 0 {
            tx.rollback().await?;
            return Ok(LaunchOutcome::NoContacts { opted_out_excluded });
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
                 opted_out_excluded = $5, started_at = now(), updated_at = now()
               WHERE id = $1 RETURNING started_at AS "started_at!""#,
            campaign_id,
            sqlx::types::Json(&settings) as _,
            CampaignWorkflowId::new(campaign_id).to_string(),
            total_contacts as i32,
            opted_out_excluded as i32,
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(LaunchOutcome::Launched(Box::new(PendingStart {
            tx,
            campaign_id,
            journeys: total_contacts,
            opted_out_excluded,
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
            settings: row.settings.0,
            started_at,
        })))
    }

    /// A fresh run of a finished campaign: a copy (texts, categories, settings overrides) that
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
        let copy = sqlx::query_scalar!(
            "INSERT INTO campaigns (name, message_1, message_2, settings, created_by, relaunched_from, \
               message_1_template, message_2_template) \
             SELECT name, message_1, message_2, coalesce(settings -> 'overrides', settings), created_by, id, \
               message_1_template, message_2_template \
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
        let launch = Self::launch_in(tx, copy, CampaignState::Draft, rules).await?;
        Ok(RelaunchOutcome::Copied {
            campaign_id: copy,
            launch,
        })
    }

    /// Ends a running campaign (R8): `failed` when every journey failed, else `completed`, with
    /// its final statistics and `completed_at`. Returns the campaign's status, unchanged when it
    /// had already ended.
    pub async fn complete_campaign(&self, campaign_id: i64) -> Result<CampaignState, StoreError> {
        let completed = sqlx::query_scalar!(
            r#"UPDATE campaigns c SET
                 status = CASE WHEN c.total_contacts > 0 AND t.failed >= c.total_contacts THEN 'failed' ELSE 'completed' END,
                 completed_at = now(), updated_at = now(), final_stats = campaign_final_stats(c)
               FROM campaign_counter_totals t
               WHERE c.id = $1 AND t.campaign_id = c.id AND c.status = 'running'
               RETURNING c.status AS "status: CampaignState""#,
            campaign_id,
        )
        .fetch_optional(&self.pool)
        .await?;
        match completed {
            Some(status) => Ok(status),
            None => self
                .campaign_status(campaign_id)
                .await?
                .ok_or(StoreError::NotFound("campaign")),
        }
    }

    /// Marks a campaign `cancelled` with its statistics as they stand.
    pub async fn cancel_campaign(&self, campaign_id: i64) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE campaigns SET status = 'cancelled', completed_at = now(), updated_at = now(), \
             final_stats = campaign_final_stats(campaigns) WHERE id = $1 AND status IN ('draft', 'running')",
            campaign_id,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Cancels a campaign that is still a draft, with the operator's audit row; false when it is
    /// not (any more), and then nothing is written.
    pub async fn cancel_draft(
        &self,
        campaign_id: i64,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let cancelled = sqlx::query!(
            "UPDATE campaigns SET status = 'cancelled', completed_at = now(), updated_at = now(), \
             final_stats = campaign_final_stats(campaigns) WHERE id = $1 AND status = 'draft'",
            campaign_id,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if cancelled == 1 {
            audit::record(&mut *tx, entry).await?;
            tx.commit().await?;
        }
        Ok(cancelled == 1)
    }

    /// The contacts of a campaign's audience with their journey state, by contact id. Both
    /// queries follow the `journeys` primary key or its `(campaign_id, state)` index; message
    /// statuses are read per listed contact through the `(campaign, contact, type)` key.
    pub async fn campaign_contacts(
        &self,
        campaign_id: i64,
        state: Option<JourneyState>,
        stage: Option<FunnelStage>,
        page: PageRequest,
    ) -> Result<Page<CampaignContact>, StoreError> {
        if self.campaign_status(campaign_id).await?.is_none() {
            return Err(StoreError::NotFound("campaign"));
        }
        let state = state.map(JourneyState::as_str);
        let stage = stage.map(FunnelStage::as_str);
        // A stage is a condition on the contact's Message 1 status or on its in-window
        // interactions, written once in SQL (`journey_reached_stage`).
        let total = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM journeys j
               WHERE j.campaign_id = $1 AND ($2::text IS NULL OR j.state = $2)
                 AND ($3::text IS NULL OR journey_reached_stage(j.campaign_id, j.contact_id, $3))"#,
            campaign_id,
            state,
            stage,
        )
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as!(
            CampaignContact,
            r#"SELECT j.contact_id, k.phone, k.first_name, k.last_name,
                 j.state AS "state: JourneyState", j.failure_reason,
                 j.failure_kind AS "failure_kind: FailureKind",
                 (SELECT m.status FROM messages m WHERE m.campaign_id = j.campaign_id
                    AND m.contact_id = j.contact_id AND m.message_type = 'message_1')
                   AS "message_1_status: MessageStatus",
                 (SELECT m.status FROM messages m WHERE m.campaign_id = j.campaign_id
                    AND m.contact_id = j.contact_id AND m.message_type = 'message_2')
                   AS "message_2_status: MessageStatus",
                 j.message_1_sent_at, j.first_interaction_at, j.updated_at
               FROM journeys j JOIN contacts k ON k.id = j.contact_id
               WHERE j.campaign_id = $1 AND ($2::text IS NULL OR j.state = $2)
                 AND ($5::text IS NULL OR journey_reached_stage(j.campaign_id, j.contact_id, $5))
               ORDER BY j.contact_id LIMIT $3 OFFSET $4"#,
            campaign_id,
            state,
            page.limit(),
            page.offset(),
            stage,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(page.page(items, total))
    }
}

/// The campaign's status, its row locked until the transaction ends.
pub(crate) async fn status_for_update(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
) -> Result<Option<CampaignState>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT status AS "status: CampaignState" FROM campaigns WHERE id = $1 FOR UPDATE"#,
        campaign_id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// The campaign's status and stored settings (a draft's overrides), its row locked until the
/// transaction ends.
pub(crate) async fn status_and_settings_for_update(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
) -> Result<Option<(CampaignState, serde_json::Value)>, StoreError> {
    Ok(sqlx::query!(
        r#"SELECT status AS "status: CampaignState", settings AS "settings: serde_json::Value"
           FROM campaigns WHERE id = $1 FOR UPDATE"#,
        campaign_id,
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| (row.status, row.settings)))
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

/// The ids of `category_ids` that name no category, in order, without duplicates.
async fn unknown_categories(
    tx: &mut Transaction<'_, Postgres>,
    category_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT DISTINCT id AS "id!" FROM unnest($1::bigint[]) AS wanted(id)
           WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.id = wanted.id) ORDER BY 1"#,
        category_ids,
    )
    .fetch_all(&mut **tx)
    .await?)
}

async fn link_categories(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
    category_ids: &[i64],
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO campaign_categories (campaign_id, category_id) \
         SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
        campaign_id,
        category_ids,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn fetch_campaign(
    executor: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<CampaignRecord>, StoreError> {
    Ok(sqlx::query_as!(
        CampaignRecord,
        r#"SELECT c.id, c.name, c.message_1, c.message_2, c.settings AS "settings: serde_json::Value",
             c.status AS "status: CampaignState", c.workflow_id,
             ARRAY(SELECT cc.category_id FROM campaign_categories cc
                   WHERE cc.campaign_id = c.id ORDER BY cc.category_id) AS "category_ids!",
             c.total_contacts, c.final_stats AS "final_stats: serde_json::Value", c.created_by, c.created_at, c.updated_at,
             c.started_at, c.completed_at, c.scheduled_at, c.failure_reason,
             c.message_1_template AS "message_1_template: Json<TemplateMessage>",
             c.message_2_template AS "message_2_template: Json<TemplateMessage>",
             c.paused_reason, c.paused_at
           FROM campaigns c WHERE c.id = $1"#,
        id,
    )
    .fetch_optional(executor)
    .await?)
}
