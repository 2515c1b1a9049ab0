//! Drafts: the API creates, edits, deletes and cancels them; each write checks under the
//! campaign's row lock that it is still a draft.

use super::audience::{has_audience_source, set_audience_sets};
use super::reads::fetch_campaign;
use super::variants::set_variants;
use super::{CampaignChanges, DraftDelete, DraftWrite, NewCampaign, status_for_update};
use crate::audit::{self, AuditEntry, AuditTarget};
use crate::{Store, StoreError};
use campaign_domain::{CampaignState, Template};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};

impl Store {
    /// Creates a draft campaign aimed at `category_ids` and `audience_sets` (R23), refusing
    /// unknown categories, sets of campaigns that never ran, and an audience with no source.
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
        if let Err(unusable) = set_audience_sets(&mut tx, id, new.audience_sets).await? {
            return Ok(DraftWrite::UnusableSources(unusable));
        }
        if !has_audience_source(&mut tx, id).await? {
            return Ok(DraftWrite::NoAudienceSource);
        }
        set_variants(&mut tx, id, new.message_1_variants).await?;
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
        if let Some(sets) = &changes.audience_sets
            && let Err(unusable) = set_audience_sets(&mut tx, id, sets).await?
        {
            return Ok(DraftWrite::UnusableSources(unusable));
        }
        if !has_audience_source(&mut tx, id).await? {
            return Ok(DraftWrite::NoAudienceSource);
        }
        if let Some(variants) = &changes.message_1_variants {
            set_variants(&mut tx, id, variants).await?;
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
