//! A campaign's variants of Message 1 (R25) as its draft holds them, and the comparison of
//! their results: each variant's funnel and reply rate with its 95 % Wilson interval.

use crate::{Store, StoreError};
use campaign_domain::{Message1Variant, Template, TemplateMessage, Variant};
use serde::Deserialize;
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};

/// One variant as stored, with the name its position gave it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredVariant {
    pub variant: Variant,
    /// Empty when the variant is a template.
    pub message_1: String,
    pub message_1_template: Option<TemplateMessage>,
    pub weight: i32,
}

/// What each variant's contacts did, counted from their journeys and messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantResult {
    pub variant: Variant,
    pub weight: i32,
    /// Contacts whose Message 1 was prepared as this variant.
    pub contacts: i64,
    pub message_1_sent: i64,
    pub delivered: i64,
    pub read: i64,
    /// Contacts who interacted within the window (R3).
    pub replied: i64,
    /// Contacts whose journey is not final yet: the ones still to hear from.
    pub open: i64,
}

/// Replaces a draft's variants: `variants[0]` is A, `variants[1]` B, and so on. An empty list
/// removes them (Message 1 is then the campaign's own).
pub(super) async fn set_variants(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
    variants: &[Message1Variant],
) -> Result<(), StoreError> {
    sqlx::query!(
        "DELETE FROM campaign_variants WHERE campaign_id = $1",
        campaign_id
    )
    .execute(&mut **tx)
    .await?;
    for (variant, content) in Variant::ALL.iter().zip(variants) {
        sqlx::query!(
            "INSERT INTO campaign_variants (campaign_id, variant, message_1, message_1_template, weight) \
             VALUES ($1, $2, $3, $4, $5)",
            campaign_id,
            variant.as_str(),
            content.text.as_ref().map_or("", Template::as_str),
            content.template.as_ref().map(Json) as _,
            content.weight as i32,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Each variant's results, in variant order; empty for a campaign without variants.
    pub async fn variant_results(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<VariantResult>, StoreError> {
        if self.campaign_status(campaign_id).await?.is_none() {
            return Err(StoreError::NotFound("campaign"));
        }
        Ok(sqlx::query_as!(
            VariantResult,
            r#"SELECT v.variant AS "variant: Variant", v.weight,
                 count(j.contact_id) AS "contacts!",
                 count(m.sent_at) AS "message_1_sent!",
                 count(*) FILTER (WHERE m.status IN ('delivered', 'read')) AS "delivered!",
                 count(*) FILTER (WHERE m.status = 'read') AS "read!",
                 count(*) FILTER (WHERE EXISTS (SELECT 1 FROM interactions i
                   WHERE i.campaign_id = j.campaign_id AND i.contact_id = j.contact_id
                     AND i.within_window)) AS "replied!",
                 count(*) FILTER (WHERE NOT journey_state_is_final(j.state)) AS "open!"
               FROM campaign_variants v
               LEFT JOIN journeys j ON j.campaign_id = v.campaign_id AND j.variant = v.variant
               LEFT JOIN messages m ON m.campaign_id = j.campaign_id AND m.contact_id = j.contact_id
                 AND m.message_type = 'message_1'
               WHERE v.campaign_id = $1 GROUP BY v.variant, v.weight ORDER BY v.variant"#,
            campaign_id,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Journeys of the campaign not final yet whose variant is not chosen: they count as still
    /// to hear from, whichever variant they get.
    pub async fn journeys_without_variant(&self, campaign_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT count(*) AS "open!" FROM journeys
               WHERE campaign_id = $1 AND variant IS NULL AND NOT journey_state_is_final(state)"#,
            campaign_id,
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
