//! Campaign reads and writes of the HTTP API: drafts (create, edit, delete), campaign details,
//! per-contact journey listing, and the delivery receipts of provider acknowledgements (R7).
//!
//! Each draft write checks the campaign's status under a row lock in the same transaction as the
//! change, so an edit racing a launch either lands before it or is refused: a running campaign
//! never changes under its workflow.

use super::{Store, StoreError};
pub use campaign_domain::CampaignState;
use campaign_domain::{JourneyState, MessageStatus, Template};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Postgres, Transaction};

/// A page of a list, as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub size: u32,
}

/// Which page of a list to read: `page` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.size)
    }

    pub fn page<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            size: self.size,
        }
    }
}

/// A campaign as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CampaignRecord {
    pub id: i64,
    pub name: String,
    pub message_1: String,
    pub message_2: String,
    /// The operator's overrides while a draft; the full snapshot once launched (R16).
    pub settings: serde_json::Value,
    pub status: String,
    pub workflow_id: Option<String>,
    pub category_ids: Vec<i64>,
    pub total_contacts: i32,
    pub final_stats: Option<serde_json::Value>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

const CAMPAIGN_COLUMNS: &str = "c.id, c.name, c.message_1, c.message_2, c.settings, c.status, \
    c.workflow_id, ARRAY(SELECT cc.category_id FROM campaign_categories cc \
    WHERE cc.campaign_id = c.id ORDER BY cc.category_id) AS category_ids, c.total_contacts, \
    c.final_stats, c.created_by, c.created_at, c.updated_at, c.started_at, c.completed_at";

/// A new draft: texts already parsed (R18), settings already validated by the caller.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    pub name: &'a str,
    pub message_1: &'a Template,
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
        status: String,
    },
    /// These category ids do not exist; nothing was written.
    UnknownCategories(Vec<i64>),
}

/// What deleting a draft did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftDelete {
    Deleted,
    NotFound,
    NotDraft { status: String },
}

/// One contact of a campaign and where its journey stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CampaignContact {
    pub contact_id: i64,
    pub phone: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub state: String,
    pub failure_reason: Option<String>,
    pub message_1_status: Option<String>,
    pub message_2_status: Option<String>,
    pub message_1_sent_at: Option<DateTime<Utc>>,
    pub first_interaction_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Creates a draft campaign aimed at `category_ids`, refusing unknown categories.
    pub async fn create_campaign(&self, new: NewCampaign<'_>) -> Result<DraftWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let unknown = unknown_categories(&mut tx, new.category_ids).await?;
        if !unknown.is_empty() {
            return Ok(DraftWrite::UnknownCategories(unknown));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, message_1, message_2, settings, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.name)
        .bind(new.message_1.as_str())
        .bind(new.message_2.as_str())
        .bind(new.settings)
        .bind(new.created_by)
        .fetch_one(&mut *tx)
        .await?;
        link_categories(&mut tx, id, new.category_ids).await?;
        let record = campaign_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(DraftWrite::Saved(Box::new(record)))
    }

    /// Applies `changes` to a draft; any other status is refused and nothing changes.
    pub async fn update_draft_campaign(
        &self,
        id: i64,
        changes: CampaignChanges,
    ) -> Result<DraftWrite, StoreError> {
        let mut tx = self.pool.begin().await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        match status {
            None => return Ok(DraftWrite::NotFound),
            Some(status) if status != CampaignState::Draft.as_str() => {
                return Ok(DraftWrite::NotDraft { status });
            }
            Some(_) => {}
        }
        if let Some(category_ids) = &changes.category_ids {
            let unknown = unknown_categories(&mut tx, category_ids).await?;
            if !unknown.is_empty() {
                return Ok(DraftWrite::UnknownCategories(unknown));
            }
            sqlx::query("DELETE FROM campaign_categories WHERE campaign_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            link_categories(&mut tx, id, category_ids).await?;
        }
        sqlx::query(
            "UPDATE campaigns SET name = coalesce($2, name), message_1 = coalesce($3, message_1), \
             message_2 = coalesce($4, message_2), settings = coalesce($5, settings), updated_at = now() \
             WHERE id = $1",
        )
        .bind(id)
        .bind(changes.name)
        .bind(changes.message_1.as_ref().map(Template::as_str))
        .bind(changes.message_2.as_ref().map(Template::as_str))
        .bind(changes.settings)
        .execute(&mut *tx)
        .await?;
        let record = campaign_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(DraftWrite::Saved(Box::new(record)))
    }

    /// Deletes a draft (its category links go with it); a launched campaign keeps its history.
    pub async fn delete_draft_campaign(&self, id: i64) -> Result<DraftDelete, StoreError> {
        let deleted = sqlx::query("DELETE FROM campaigns WHERE id = $1 AND status = 'draft'")
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if deleted > 0 {
            return Ok(DraftDelete::Deleted);
        }
        Ok(match self.campaign_status(id).await? {
            None => DraftDelete::NotFound,
            Some(status) => DraftDelete::NotDraft { status },
        })
    }

    pub async fn campaign(&self, id: i64) -> Result<CampaignRecord, StoreError> {
        sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
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
        let total: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM campaigns WHERE $1::text IS NULL OR status = $1",
        )
        .bind(status)
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE $1::text IS NULL OR c.status = $1 \
             ORDER BY c.created_at DESC, c.id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(status)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await?;
        Ok(page.page(items, total))
    }

    /// The contacts of a campaign's audience with their journey state, by contact id. Both
    /// queries follow the `journeys` primary key or its `(campaign_id, state)` index; message
    /// statuses are read per listed contact through the `(campaign, contact, type)` key.
    pub async fn campaign_contacts(
        &self,
        campaign_id: i64,
        state: Option<JourneyState>,
        page: PageRequest,
    ) -> Result<Page<CampaignContact>, StoreError> {
        if self.campaign_status(campaign_id).await?.is_none() {
            return Err(StoreError::NotFound("campaign"));
        }
        let state = state.map(JourneyState::as_str);
        let total: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM journeys WHERE campaign_id = $1 AND ($2::text IS NULL OR state = $2)",
        )
        .bind(campaign_id)
        .bind(state)
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as(
            "SELECT j.contact_id, k.phone, k.first_name, k.last_name, j.state, j.failure_reason, \
               (SELECT m.status FROM messages m WHERE m.campaign_id = j.campaign_id \
                  AND m.contact_id = j.contact_id AND m.message_type = 'message_1') AS message_1_status, \
               (SELECT m.status FROM messages m WHERE m.campaign_id = j.campaign_id \
                  AND m.contact_id = j.contact_id AND m.message_type = 'message_2') AS message_2_status, \
               j.message_1_sent_at, j.first_interaction_at, j.updated_at \
             FROM journeys j JOIN contacts k ON k.id = j.contact_id \
             WHERE j.campaign_id = $1 AND ($2::text IS NULL OR j.state = $2) \
             ORDER BY j.contact_id LIMIT $3 OFFSET $4",
        )
        .bind(campaign_id)
        .bind(state)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await?;
        Ok(page.page(items, total))
    }

    /// Moves a message forward from a provider acknowledgement (R7) and counts it on its
    /// campaign in the same transaction, so the campaign's `messages_delivered`,
    /// `messages_read` and `messages_failed` counters always agree with the message rows and
    /// statistics never scan messages. This is the method the webhook bridge calls for
    /// `message:out:ack` events.
    ///
    /// Forward only: `sent → delivered → read`, `failed` terminal. A `read` that skipped
    /// `delivered` counts as delivered too (a read message was delivered); `at` fills each
    /// timestamp the move implies, keeping an earlier one. Out-of-order, repeated, unknown
    /// (no message with this provider id yet) and `pending`/`sent` acknowledgements change
    /// nothing: acceptance is recorded by [`Store::mark_sent`] when the provider answers the
    /// send. A late `failed` leaves the journey to its workflow. Returns whether anything
    /// changed.
    pub async fn advance_message_status_at(
        &self,
        provider_message_id: &str,
        new_status: MessageStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if !matches!(
            new_status,
            MessageStatus::Delivered | MessageStatus::Read | MessageStatus::Failed
        ) {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        let moved: Option<(i64, String)> = sqlx::query_as(
            "UPDATE messages m SET status = $2, \
               delivered_at = CASE WHEN $2 IN ('delivered', 'read') THEN coalesce(m.delivered_at, $3) \
                 ELSE m.delivered_at END, \
               read_at = CASE WHEN $2 = 'read' THEN coalesce(m.read_at, $3) ELSE m.read_at END, \
               failed_at = CASE WHEN $2 = 'failed' THEN coalesce(m.failed_at, $3) ELSE m.failed_at END \
             FROM (SELECT id, status FROM messages WHERE provider_message_id = $1 FOR UPDATE) old \
             WHERE m.id = old.id AND message_status_can_advance(old.status, $2) \
             RETURNING m.campaign_id, old.status",
        )
        .bind(provider_message_id)
        .bind(new_status.as_str())
        .bind(at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((campaign_id, old_status)) = moved else {
            return Ok(false);
        };
        let was_delivered = matches!(old_status.as_str(), "delivered" | "read");
        let delivered = i32::from(
            !was_delivered && matches!(new_status, MessageStatus::Delivered | MessageStatus::Read),
        );
        let read = i32::from(new_status == MessageStatus::Read);
        let failed = i32::from(new_status == MessageStatus::Failed);
        sqlx::query(
            "UPDATE campaigns SET messages_delivered = messages_delivered + $2, \
             messages_read = messages_read + $3, messages_failed = messages_failed + $4, \
             updated_at = now() WHERE id = $1",
        )
        .bind(campaign_id)
        .bind(delivered)
        .bind(read)
        .bind(failed)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// The ids of `category_ids` that name no category, in order, without duplicates.
async fn unknown_categories(
    tx: &mut Transaction<'_, Postgres>,
    category_ids: &[i64],
) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT id FROM unnest($1::bigint[]) AS wanted(id) \
         WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.id = wanted.id) ORDER BY id",
    )
    .bind(category_ids)
    .fetch_all(&mut **tx)
    .await?)
}

async fn link_categories(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
    category_ids: &[i64],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO campaign_categories (campaign_id, category_id) \
         SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .bind(category_ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn campaign_in(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
) -> Result<CampaignRecord, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns c WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?)
}
