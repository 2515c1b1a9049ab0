//! Reads of campaigns: one, a page of them, a status, and a campaign's contacts with where
//! their journeys stand.

use super::{CampaignContact, CampaignRow, StoredVariant};
use crate::page::{Page, PageRequest};
use crate::reporting::FunnelStage;
use crate::{Store, StoreError};
use campaign_domain::{
    AudienceSet, CampaignState, FailureKind, JourneyState, MessageStatus, TemplateMessage,
};
use sqlx::PgExecutor;
use sqlx::types::Json;

impl Store {
    pub async fn campaign(&self, id: i64) -> Result<CampaignRow, StoreError> {
        fetch_campaign(&self.pool, id)
            .await?
            .ok_or(StoreError::NotFound("campaign"))
    }

    /// Campaigns, newest first, optionally only those in `status`.
    pub async fn list_campaigns(
        &self,
        status: Option<CampaignState>,
        page: PageRequest,
    ) -> Result<Page<CampaignRow>, StoreError> {
        let status = status.map(CampaignState::as_str);
        let total = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM campaigns WHERE $1::text IS NULL OR status = $1"#,
            status,
        )
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as!(
            CampaignRow,
            r#"SELECT c.id, c.name, c.message_1, c.message_2, c.settings AS "settings: serde_json::Value",
                 c.status AS "status: CampaignState", c.workflow_id,
                 ARRAY(SELECT cc.category_id FROM campaign_categories cc
                       WHERE cc.campaign_id = c.id ORDER BY cc.category_id) AS "category_ids!",
                 c.total_contacts, c.final_stats AS "final_stats: serde_json::Value", c.created_by, c.created_at, c.updated_at,
                 c.started_at, c.completed_at, c.scheduled_at, c.failure_reason,
                 c.message_1_template AS "message_1_template: Json<TemplateMessage>",
                 c.message_2_template AS "message_2_template: Json<TemplateMessage>",
                 c.paused_reason, c.paused_at,
                 campaign_audience_sets_json(c.id) AS "audience_sets!: Json<Vec<AudienceSet>>",
                 c.opted_out_excluded, c.capped_excluded,
                 campaign_variants_json(c.id) AS "message_1_variants!: Json<Vec<StoredVariant>>"
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

pub(super) async fn fetch_campaign(
    executor: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<CampaignRow>, StoreError> {
    Ok(sqlx::query_as!(
        CampaignRow,
        r#"SELECT c.id, c.name, c.message_1, c.message_2, c.settings AS "settings: serde_json::Value",
             c.status AS "status: CampaignState", c.workflow_id,
             ARRAY(SELECT cc.category_id FROM campaign_categories cc
                   WHERE cc.campaign_id = c.id ORDER BY cc.category_id) AS "category_ids!",
             c.total_contacts, c.final_stats AS "final_stats: serde_json::Value", c.created_by, c.created_at, c.updated_at,
             c.started_at, c.completed_at, c.scheduled_at, c.failure_reason,
             c.message_1_template AS "message_1_template: Json<TemplateMessage>",
             c.message_2_template AS "message_2_template: Json<TemplateMessage>",
             c.paused_reason, c.paused_at,
             campaign_audience_sets_json(c.id) AS "audience_sets!: Json<Vec<AudienceSet>>",
             c.opted_out_excluded, c.capped_excluded,
             campaign_variants_json(c.id) AS "message_1_variants!: Json<Vec<StoredVariant>>"
           FROM campaigns c WHERE c.id = $1"#,
        id,
    )
    .fetch_optional(executor)
    .await?)
}
