//! Which variant of Message 1 a contact gets (R25), decided while its send is prepared: a pure
//! function of the campaign's seed and the contact's id, so every attempt, every worker and a
//! relaunch (which keeps its original's seed) pick the same one.

use crate::StoreError;
use crate::message_content::SendTarget;
use campaign_domain::{CatalogTemplate, TemplateMessage, Variant, choose_variant};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};

/// A variant's Message 1 and the catalog's entry for its template.
struct VariantContent {
    message_1: String,
    message_1_template: Option<Json<TemplateMessage>>,
    message_1_catalog: Option<Json<CatalogTemplate>>,
}

/// The contact's variant when the campaign has variants (`weights`, in variant order), with
/// `target`'s Message 1 replaced by that variant's.
pub(super) async fn apply_variant(
    tx: &mut Transaction<'_, Postgres>,
    target: &mut SendTarget,
    campaign_id: i64,
    contact_id: i64,
    seed: i64,
    weights: &[i32],
) -> Result<Option<Variant>, StoreError> {
    let weights: Vec<u32> = weights.iter().map(|&w| w.max(0) as u32).collect();
    let Some(variant) = choose_variant(seed, contact_id, &weights) else {
        return Ok(None);
    };
    let content = sqlx::query_as!(
        VariantContent,
        r#"SELECT v.message_1, v.message_1_template AS "message_1_template: Json<TemplateMessage>",
             (SELECT catalog_entry(t) FROM whatsapp_templates t
               WHERE t.name = v.message_1_template ->> 'name'
                 AND t.language = v.message_1_template ->> 'language')
               AS "message_1_catalog: Json<CatalogTemplate>"
           FROM campaign_variants v WHERE v.campaign_id = $1 AND v.variant = $2"#,
        campaign_id,
        variant.as_str(),
    )
    .fetch_one(&mut **tx)
    .await?;
    target.message_1 = content.message_1;
    target.message_1_template = content.message_1_template;
    target.message_1_catalog = content.message_1_catalog;
    Ok(Some(variant))
}
