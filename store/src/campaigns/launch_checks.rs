//! The launch's checks of what the provider in use can send (SPEC §7), made under the
//! campaign's lock in the launch's transaction: a template that does not match its catalog entry
//! is refused once, with a reason, instead of failing every send.

use super::LaunchOutcome;
use crate::StoreError;
use campaign_domain::{CatalogTemplate, Channel, TemplateMessage, Variant};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};

/// One variant of Message 1 (R25) beside its template's catalog entry.
struct VariantRow {
    variant: Variant,
    message_1_empty: bool,
    message_1_template: Option<Json<TemplateMessage>>,
    message_1_catalog: Option<Json<CatalogTemplate>>,
}

/// A campaign's templates beside their catalog entries.
struct TemplateRow {
    message_1_empty: bool,
    message_1_template: Option<Json<TemplateMessage>>,
    message_2_template: Option<Json<TemplateMessage>>,
    message_1_catalog: Option<Json<CatalogTemplate>>,
    message_2_catalog: Option<Json<CatalogTemplate>>,
}

/// `Err(reason)` when the campaign's messages cannot go out on `channel` as they stand.
pub(crate) async fn templates(
    tx: &mut Transaction<'static, Postgres>,
    campaign_id: i64,
    channel: Channel,
) -> Result<Result<(), String>, StoreError> {
    let row = sqlx::query_as!(
        TemplateRow,
        r#"SELECT c.message_1 = '' AS "message_1_empty!",
             c.message_1_template AS "message_1_template: Json<TemplateMessage>",
             c.message_2_template AS "message_2_template: Json<TemplateMessage>",
             (SELECT catalog_entry(t) FROM whatsapp_templates t
               WHERE t.name = c.message_1_template ->> 'name'
                 AND t.language = c.message_1_template ->> 'language')
               AS "message_1_catalog: Json<CatalogTemplate>",
             (SELECT catalog_entry(t) FROM whatsapp_templates t
               WHERE t.name = c.message_2_template ->> 'name'
                 AND t.language = c.message_2_template ->> 'language')
               AS "message_2_catalog: Json<CatalogTemplate>"
           FROM campaigns c WHERE c.id = $1"#,
        campaign_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    let variants = sqlx::query_as!(
        VariantRow,
        r#"SELECT v.variant AS "variant: Variant", v.message_1 = '' AS "message_1_empty!",
             v.message_1_template AS "message_1_template: Json<TemplateMessage>",
             (SELECT catalog_entry(t) FROM whatsapp_templates t
               WHERE t.name = v.message_1_template ->> 'name'
                 AND t.language = v.message_1_template ->> 'language')
               AS "message_1_catalog: Json<CatalogTemplate>"
           FROM campaign_variants v WHERE v.campaign_id = $1 ORDER BY v.variant"#,
        campaign_id,
    )
    .fetch_all(&mut **tx)
    .await?;
    if variants.is_empty() {
        return Ok(check(&row, channel));
    }
    // With variants, each variant is Message 1; Message 2's template is checked with each.
    for variant in &variants {
        let as_message_1 = TemplateRow {
            message_1_empty: variant.message_1_empty,
            message_1_template: variant.message_1_template.clone(),
            message_1_catalog: variant.message_1_catalog.clone(),
            message_2_template: row.message_2_template.clone(),
            message_2_catalog: row.message_2_catalog.clone(),
        };
        if let Err(reason) = check(&as_message_1, channel) {
            return Ok(Err(format!("variant {}: {reason}", variant.variant)));
        }
    }
    Ok(Ok(()))
}

fn check(row: &TemplateRow, channel: Channel) -> Result<(), String> {
    match channel {
        Channel::FreeText if row.message_1_template.is_some() && row.message_1_empty => Err(
            "Message 1 is a template, which only the Meta provider sends (WHATSAPP_PROVIDER=meta)"
                .to_owned(),
        ),
        Channel::FreeText => Ok(()),
        Channel::Templates { .. } => {
            let Some(message_1) = &row.message_1_template else {
                return Err(
                    "on the Meta provider, Message 1 must be an approved template: choose one in the campaign"
                        .to_owned(),
                );
            };
            for (template, catalog) in [
                (Some(message_1), &row.message_1_catalog),
                (row.message_2_template.as_ref(), &row.message_2_catalog),
            ] {
                let Some(Json(template)) = template else {
                    continue;
                };
                let Some(Json(catalog)) = catalog else {
                    return Err(format!(
                        "template {:?} in {:?} is not in the business account's catalog",
                        template.name, template.language
                    ));
                };
                template
                    .check(catalog)
                    .map_err(|mismatch| mismatch.to_string())?;
            }
            Ok(())
        }
    }
}

/// The refusal when `needed` contacts would pass the business's messaging limit on the Meta
/// provider: unique contacts reached by Message 1 in the last 24 hours, plus the audience.
pub(crate) async fn messaging_limit(
    tx: &mut Transaction<'static, Postgres>,
    channel: Channel,
    needed: i64,
) -> Result<Option<LaunchOutcome>, StoreError> {
    let Channel::Templates { messaging_limit } = channel else {
        return Ok(None);
    };
    let row = sqlx::query!(
        r#"SELECT (SELECT messaging_limit FROM provider_state) AS read_limit,
             (SELECT count(DISTINCT contact_id) FROM messages
               WHERE message_type = 'message_1' AND sent_at IS NOT NULL
                 AND sent_at > now() - interval '24 hours') AS "reached!""#,
    )
    .fetch_one(&mut **tx)
    .await?;
    let Some(limit) = messaging_limit.or(row.read_limit) else {
        return Ok(None);
    };
    let remaining = (i64::from(limit) - row.reached).max(0);
    Ok(
        (needed > remaining).then_some(LaunchOutcome::MessagingLimitExceeded {
            remaining,
            needed,
            limit,
        }),
    )
}
