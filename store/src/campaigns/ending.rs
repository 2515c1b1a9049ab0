//! The end of a run: completion with final statistics (R8), or cancellation.

use crate::{Store, StoreError};
use campaign_domain::CampaignState;

impl Store {
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
}
