//! Message 2 sent again as the campaign's template when Meta, having accepted it as text,
//! reports the customer-service window closed (131047, SPEC §7). The message row stays the one
//! Message 2 of its journey (R3): the fallback's provider id is kept beside the first, once.

use super::{Store, StoreError};
use crate::message_content::{NotComposed, SendTarget};
use campaign_domain::{CatalogTemplate, MessageContent, MessageType, TemplateMessage};
use sqlx::types::Json;

/// A Message 2 to send again as its template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowFallback {
    pub message_id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub phone: String,
    pub content: MessageContent,
}

/// What a Message 2 refused for a closed window can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FallbackPreparation {
    /// Send this.
    Send(WindowFallback),
    /// Its fallback was already accepted, or the campaign has no fallback template: nothing to
    /// send.
    Nothing,
    /// The fallback template cannot be sent now (paused, gone from the catalog): the reason.
    Unsendable(String),
}

impl Store {
    /// The fallback of the Message 2 whose provider id is `provider_message_id`.
    pub async fn prepare_window_fallback(
        &self,
        provider_message_id: &str,
    ) -> Result<FallbackPreparation, StoreError> {
        let row = sqlx::query!(
            r#"SELECT m.id, m.campaign_id, m.contact_id, m.window_fallback_provider_id,
                 c.message_1, c.message_2,
                 c.message_2_template AS "message_2_template: Json<TemplateMessage>",
                 (SELECT catalog_entry(t) FROM whatsapp_templates t
                   WHERE t.name = c.message_2_template ->> 'name'
                     AND t.language = c.message_2_template ->> 'language')
                   AS "message_2_catalog: Json<CatalogTemplate>",
                 k.phone, k.first_name, k.last_name
               FROM messages m JOIN campaigns c ON c.id = m.campaign_id
               JOIN contacts k ON k.id = m.contact_id
               WHERE m.provider_message_id = $1 AND m.message_type = 'message_2'"#,
            provider_message_id,
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(FallbackPreparation::Nothing);
        };
        if row.window_fallback_provider_id.is_some() || row.message_2_template.is_none() {
            return Ok(FallbackPreparation::Nothing);
        }
        let target = SendTarget {
            message_1: row.message_1,
            message_2: row.message_2,
            message_1_template: None,
            message_2_template: row.message_2_template,
            message_1_catalog: None,
            message_2_catalog: row.message_2_catalog,
            phone: row.phone,
            first_name: row.first_name,
            last_name: row.last_name,
        };
        Ok(match target.compose(MessageType::Message2) {
            Ok(composed) => match composed.window_fallback {
                Some(content) => FallbackPreparation::Send(WindowFallback {
                    message_id: row.id,
                    campaign_id: row.campaign_id,
                    contact_id: row.contact_id,
                    phone: target.phone,
                    content,
                }),
                None => FallbackPreparation::Nothing,
            },
            Err(NotComposed::TemplatePaused(reason)) => FallbackPreparation::Unsendable(reason),
            Err(NotComposed::Refused { reason, .. }) => FallbackPreparation::Unsendable(reason),
        })
    }

    /// Records the fallback's acceptance (the first stays).
    pub async fn mark_window_fallback_sent(
        &self,
        message_id: i64,
        provider_message_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE messages SET window_fallback_provider_id = $2, window_fallback_sent_at = now() \
             WHERE id = $1 AND window_fallback_provider_id IS NULL",
            message_id,
            provider_message_id,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
