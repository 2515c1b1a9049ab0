//! What the engine knows of its provider beyond single messages (SPEC §7): campaigns paused by a
//! provider condition, the provider marked down when it refuses our credentials, and the
//! business's messaging limit (the receipts of sent messages are in `sending::receipts`).
//!
//! A pause never fails a send: a paused campaign's sends wait (a delayed retry) until an
//! operator resumes it, so fixing a template or a token loses no contact.

use super::{Store, StoreError};
use crate::audit::{self, AuditEntry};
use campaign_domain::CampaignState;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

/// The provider refused our credentials (or the business account is locked): every campaign is
/// paused, and health reports the provider down, until an operator resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDown {
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// What resuming a campaign did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeOutcome {
    /// The campaign's sends go on; the provider is no longer marked down.
    Resumed,
    NotFound,
    /// The campaign is not paused.
    NotPaused {
        status: CampaignState,
    },
}

/// Pauses `campaign_id` with `reason`, unless it is paused already (the first reason stays).
pub(crate) async fn pause_campaign_in(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: i64,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE campaigns SET paused_reason = $2, paused_at = now(), updated_at = now() \
         WHERE id = $1 AND paused_reason IS NULL AND status IN ('running', 'scheduled')",
        campaign_id,
        reason,
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Pauses every running or scheduled campaign whose Message 1 or Message 2 template is
    /// `name` in `language`; returns how many were paused now.
    pub async fn pause_campaigns_using_template(
        &self,
        name: &str,
        language: &str,
        reason: &str,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query!(
            "UPDATE campaigns SET paused_reason = $3, paused_at = now(), updated_at = now() \
             WHERE paused_reason IS NULL AND status IN ('running', 'scheduled') \
               AND ((message_1_template ->> 'name' = $1 AND message_1_template ->> 'language' = $2) \
                 OR (message_2_template ->> 'name' = $1 AND message_2_template ->> 'language' = $2))",
            name,
            language,
            reason,
        )
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Pauses `campaign_id` with `reason`, unless it is paused already or no longer runs.
    pub async fn pause_campaign(&self, campaign_id: i64, reason: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        pause_campaign_in(&mut tx, campaign_id, reason).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks the provider down with `reason` and pauses every running or scheduled campaign.
    /// The first reason stays until an operator resumes.
    pub async fn mark_provider_down(&self, reason: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!(
            "UPDATE provider_state SET down_reason = $1, down_since = now() WHERE down_reason IS NULL",
            reason,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE campaigns SET paused_reason = $1, paused_at = now(), updated_at = now() \
             WHERE paused_reason IS NULL AND status IN ('running', 'scheduled')",
            reason,
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the provider is marked down, and why.
    pub async fn provider_down(&self) -> Result<Option<ProviderDown>, StoreError> {
        let row = sqlx::query!("SELECT down_reason, down_since FROM provider_state")
            .fetch_one(&self.pool)
            .await?;
        Ok(row
            .down_reason
            .zip(row.down_since)
            .map(|(reason, since)| ProviderDown { reason, since }))
    }

    /// Resumes a paused campaign: its waiting sends go on at their next try. Resuming is also
    /// the operator's word that the provider's credentials are fixed, so the provider is no
    /// longer marked down (a send that still meets an authentication error marks it again).
    pub async fn resume_campaign(
        &self,
        campaign_id: i64,
        entry: &AuditEntry,
    ) -> Result<ResumeOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query!(
            r#"SELECT status AS "status: CampaignState", paused_reason FROM campaigns WHERE id = $1 FOR UPDATE"#,
            campaign_id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(ResumeOutcome::NotFound);
        };
        if row.paused_reason.is_none() {
            return Ok(ResumeOutcome::NotPaused { status: row.status });
        }
        sqlx::query!(
            "UPDATE campaigns SET paused_reason = NULL, paused_at = NULL, updated_at = now() WHERE id = $1",
            campaign_id,
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!("UPDATE provider_state SET down_reason = NULL, down_since = NULL")
            .execute(&mut *tx)
            .await?;
        audit::record(&mut *tx, entry).await?;
        tx.commit().await?;
        Ok(ResumeOutcome::Resumed)
    }

    /// Stores the business's messaging limit as read from the provider (`None`: unlimited).
    pub async fn set_messaging_limit(&self, limit: Option<i32>) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE provider_state SET messaging_limit = $1, messaging_limit_read_at = now()",
            limit,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The messaging limit last read from the provider, when one was read.
    pub async fn messaging_limit(&self) -> Result<Option<i32>, StoreError> {
        Ok(
            sqlx::query_scalar!("SELECT messaging_limit FROM provider_state")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Unique contacts reached by a Message 1 (a business-initiated template) in the last 24
    /// hours: what Meta's messaging limit counts.
    pub async fn contacts_reached_last_24h(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(DISTINCT contact_id) AS "reached!" FROM messages
               WHERE message_type = 'message_1' AND sent_at IS NOT NULL
                 AND sent_at > now() - interval '24 hours'"#,
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
