//! One send of a message, around its provider call: [`Store::prepare_send`] decides what the
//! attempt does, [`Store::count_attempt`] counts the call right before it, and the provider's
//! answer ends in [`Store::mark_sent`], [`Store::note_send_error`] or [`Store::fail_message`].
//!
//! The message row is the idempotency record: the unique (campaign, contact, type) key makes a
//! second Message 2 row impossible, an accepted message is never sent again, and the first call's
//! start and the bound of a call still in flight let a retry after a crash find out what happened
//! instead of sending twice.

mod attempts;
mod receipts;
mod variants;

use super::{Store, StoreError};
use crate::counters::{CounterDelta, shard_of};
use crate::message_content::{NotComposed, SendTarget};
use crate::provider_state::pause_campaign_in;
use campaign_domain::{
    CatalogTemplate, FailureKind, JourneyState, MessageContent, MessageStatus, MessageType,
    TemplateMessage, Variant,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// What a send attempt should do, decided atomically before talking to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendPreparation {
    /// Send this text, once [`Store::count_attempt`] allows the call.
    Send(Box<PreparedSend>),
    /// The database already shows the message accepted: an earlier attempt got through.
    AlreadySent(AcceptedSend),
    /// The message already failed for good.
    AlreadyFailed { kind: FailureKind, reason: String },
    /// The journey was closed (stop, cutoff) before this message left: nothing is sent.
    JourneyClosed,
    /// The campaign is paused (its template was paused by Meta, or the provider refused our
    /// credentials): the send waits until an operator resumes it.
    CampaignPaused { reason: String },
    /// The message cannot be made as the campaign stands (its template left the catalog or no
    /// longer matches): the send fails for good with this kind and reason.
    Unsendable { kind: FailureKind, reason: String },
}

/// Whether a provider call may be made now, decided right before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptCount {
    /// Make the call: this many calls so far, this one included.
    Counted(i32),
    /// The journey was closed (stop, cutoff) while the send waited: no call.
    JourneyClosed,
    /// The daily ledger is full (R10): the message is now failed and nothing is sent.
    DailyLimitReached,
    /// The contact already had as many Message 1s as the frequency cap allows (R24): the
    /// message is now failed and nothing is sent.
    FrequencyCapped,
    /// The contact opted out (R19): no call. When an earlier attempt made one, the provider is
    /// to be asked whether it got through before the send is refused.
    OptedOut { called_before: bool },
    /// An earlier attempt's call may still be in flight until `until`: no call before then.
    EarlierCallInFlight { until: DateTime<Utc> },
    /// A paced call (R11) left less than an interval (or a batch pause) ago: ask again at
    /// `until`. Nothing was counted.
    PacingGate { until: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSend {
    pub message_id: i64,
    pub phone: String,
    pub content: MessageContent,
    /// Message 2's template, rendered, to send instead when Meta answers that the
    /// customer-service window is closed (131047).
    pub window_fallback: Option<MessageContent>,
    /// The contact's own IANA zone (R21), when set.
    pub time_zone: Option<String>,
    /// When this journey's Message 1 was accepted, if it was: Message 2 keeps the provider's
    /// pair interval after it.
    pub message_1_sent_at: Option<DateTime<Utc>>,
}

/// The row `prepare_send` reads.
struct TargetRow {
    message_1: String,
    message_2: String,
    paused_reason: Option<String>,
    message_1_template: Option<Json<TemplateMessage>>,
    message_2_template: Option<Json<TemplateMessage>>,
    message_1_catalog: Option<Json<CatalogTemplate>>,
    message_2_catalog: Option<Json<CatalogTemplate>>,
    phone: String,
    first_name: Option<String>,
    last_name: Option<String>,
    time_zone: Option<String>,
    message_1_sent_at: Option<DateTime<Utc>>,
    variant_seed: i64,
    variant_weights: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedSend {
    pub message_id: i64,
    pub provider_message_id: String,
    pub sent_at: DateTime<Utc>,
}

impl Store {
    /// Decides, in one transaction, what a send attempt must do: creates the message row on the
    /// first attempt (the unique key makes a second Message 2 row impossible) and returns an
    /// earlier acceptance instead of sending again.
    pub async fn prepare_send(
        &self,
        campaign_id: i64,
        contact_id: i64,
        message_type: MessageType,
    ) -> Result<SendPreparation, StoreError> {
        let mut tx = self.pool.begin().await?;
        let target = sqlx::query_as!(
            TargetRow,
            r#"SELECT c.message_1, c.message_2, c.paused_reason,
                 c.message_1_template AS "message_1_template: Json<TemplateMessage>",
                 c.message_2_template AS "message_2_template: Json<TemplateMessage>",
                 (SELECT catalog_entry(t) FROM whatsapp_templates t
                   WHERE t.name = c.message_1_template ->> 'name'
                     AND t.language = c.message_1_template ->> 'language')
                   AS "message_1_catalog: Json<CatalogTemplate>",
                 (SELECT catalog_entry(t) FROM whatsapp_templates t
                   WHERE t.name = c.message_2_template ->> 'name'
                     AND t.language = c.message_2_template ->> 'language')
                   AS "message_2_catalog: Json<CatalogTemplate>",
                 k.phone, k.first_name, k.last_name, k.time_zone,
                 (SELECT m.sent_at FROM messages m WHERE m.campaign_id = c.id AND m.contact_id = k.id
                   AND m.message_type = 'message_1') AS message_1_sent_at,
                 coalesce(c.variant_seed, c.id) AS "variant_seed!",
                 ARRAY(SELECT v.weight FROM campaign_variants v WHERE v.campaign_id = c.id
                   ORDER BY v.variant) AS "variant_weights!"
               FROM campaigns c, contacts k WHERE c.id = $1 AND k.id = $2"#,
            campaign_id,
            contact_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("campaign or contact"))?;
        if let Some(reason) = target.paused_reason {
            return Ok(SendPreparation::CampaignPaused { reason });
        }
        let mut send_target = SendTarget {
            message_1: target.message_1,
            message_2: target.message_2,
            message_1_template: target.message_1_template,
            message_2_template: target.message_2_template,
            message_1_catalog: target.message_1_catalog,
            message_2_catalog: target.message_2_catalog,
            phone: target.phone,
            first_name: target.first_name,
            last_name: target.last_name,
        };
        // R25: a Message 1 of a campaign with variants is the contact's variant.
        let variant = match message_type {
            MessageType::Message1 => {
                variants::apply_variant(
                    &mut tx,
                    &mut send_target,
                    campaign_id,
                    contact_id,
                    target.variant_seed,
                    &target.variant_weights,
                )
                .await?
            }
            MessageType::Message2 => None,
        };
        let composed = match send_target.compose(message_type) {
            Ok(composed) => composed,
            Err(NotComposed::TemplatePaused(reason)) => {
                pause_campaign_in(&mut tx, campaign_id, &reason).await?;
                tx.commit().await?;
                return Ok(SendPreparation::CampaignPaused { reason });
            }
            Err(NotComposed::Refused { kind, reason }) => {
                tx.rollback().await?;
                return Ok(SendPreparation::Unsendable { kind, reason });
            }
        };

        sqlx::query!(
            "INSERT INTO messages (campaign_id, contact_id, message_type, content, variant) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT ON CONSTRAINT messages_campaign_contact_type_key DO NOTHING",
            campaign_id,
            contact_id,
            message_type.as_str(),
            composed.text,
            variant.map(Variant::as_str),
        )
        .execute(&mut *tx)
        .await?;
        let message = sqlx::query!(
            r#"SELECT id, status AS "status: MessageStatus", provider_message_id, sent_at, error,
                 failure_kind AS "failure_kind: FailureKind"
               FROM messages WHERE campaign_id = $1 AND contact_id = $2 AND message_type = $3 FOR UPDATE"#,
            campaign_id,
            contact_id,
            message_type.as_str(),
        )
        .fetch_one(&mut *tx)
        .await?;
        match message.status {
            MessageStatus::Sent | MessageStatus::Delivered | MessageStatus::Read => {
                return Ok(SendPreparation::AlreadySent(AcceptedSend {
                    message_id: message.id,
                    provider_message_id: message.provider_message_id.unwrap_or_default(),
                    sent_at: message.sent_at.unwrap_or_else(Utc::now),
                }));
            }
            MessageStatus::Failed => {
                return Ok(SendPreparation::AlreadyFailed {
                    kind: message.failure_kind.unwrap_or(FailureKind::Unknown),
                    reason: message.error.unwrap_or_default(),
                });
            }
            MessageStatus::Pending => {}
        }
        let journey_closed = sqlx::query_scalar!(
            r#"SELECT journey_state_is_final(state) AS "closed!" FROM journeys
               WHERE campaign_id = $1 AND contact_id = $2 FOR SHARE"#,
            campaign_id,
            contact_id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if journey_closed == Some(true) {
            tx.rollback().await?;
            return Ok(SendPreparation::JourneyClosed);
        }

        let sending_state = match message_type {
            MessageType::Message1 => JourneyState::SendingMessage1,
            MessageType::Message2 => JourneyState::SendingMessage2,
        };
        sqlx::query!(
            "INSERT INTO journeys (campaign_id, contact_id, state, variant) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (campaign_id, contact_id) DO UPDATE SET state = EXCLUDED.state, \
               variant = coalesce(EXCLUDED.variant, journeys.variant), updated_at = now() \
             WHERE NOT journey_state_is_final(journeys.state)",
            campaign_id,
            contact_id,
            sending_state.as_str(),
            variant.map(Variant::as_str),
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SendPreparation::Send(Box::new(PreparedSend {
            message_id: message.id,
            phone: send_target.phone,
            content: composed.content,
            window_fallback: composed.window_fallback,
            time_zone: target.time_zone,
            message_1_sent_at: target.message_1_sent_at,
        })))
    }

    /// Records the provider's acceptance and moves the journey on: Message 1 opens the window,
    /// Message 2 ends the journey (through [`Store::finish_journey`]'s path, like every final
    /// state). `sent_at` is `accepted_at`, the provider's own acceptance time (R2), on every
    /// path: a send answered now or one found by a retry's lookup minutes later. Without it (a
    /// provider answer that did not say), the first call's start stands in: the acceptance came
    /// after it, and the window must not start late. Idempotent: a message already accepted
    /// keeps its first `sent_at`.
    pub async fn mark_sent(
        &self,
        message_id: i64,
        provider_message_id: &str,
        accepted_at: Option<DateTime<Utc>>,
    ) -> Result<AcceptedSend, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query!(
            r#"UPDATE messages SET status = 'sent', provider_message_id = $2,
                 sent_at = coalesce($3, first_call_at, now()), error = NULL, failure_kind = NULL,
                 call_ends_by = NULL
               WHERE id = $1 AND message_status_can_advance(status, 'sent')
               RETURNING campaign_id, contact_id, message_type AS "message_type: MessageType",
                 sent_at AS "sent_at!""#,
            message_id,
            provider_message_id,
            accepted_at,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(sent) = updated else {
            tx.rollback().await?;
            let earlier = sqlx::query!(
                "SELECT provider_message_id, sent_at FROM messages WHERE id = $1",
                message_id,
            )
            .fetch_one(&self.pool)
            .await?;
            return Ok(AcceptedSend {
                message_id,
                provider_message_id: earlier.provider_message_id.unwrap_or_default(),
                sent_at: earlier.sent_at.unwrap_or_else(Utc::now),
            });
        };
        match sent.message_type {
            MessageType::Message2 => {
                Self::finish_journey_in(
                    &mut tx,
                    sent.campaign_id,
                    sent.contact_id,
                    JourneyState::Message2Sent,
                    None,
                )
                .await?;
            }
            MessageType::Message1 => {
                sqlx::query!(
                    "UPDATE journeys SET state = 'awaiting_interaction', message_1_sent_at = $3, updated_at = now() \
                     WHERE campaign_id = $1 AND contact_id = $2 AND NOT journey_state_is_final(state)",
                    sent.campaign_id,
                    sent.contact_id,
                    sent.sent_at,
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        CounterDelta {
            messages_sent: 1,
            ..CounterDelta::default()
        }
        .apply(&mut tx, sent.campaign_id, shard_of(sent.contact_id))
        .await?;
        tx.commit().await?;
        Ok(AcceptedSend {
            message_id,
            provider_message_id: provider_message_id.to_owned(),
            sent_at: sent.sent_at,
        })
    }

    /// Notes a failed attempt that will be retried: the error and its kind are kept for
    /// operators (until the message is accepted or fails for good) and counted in today's ledger
    /// errors, and the call is known to have ended.
    pub async fn note_send_error(
        &self,
        message_id: i64,
        kind: FailureKind,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            "WITH m AS (UPDATE messages SET error = $2, failure_kind = $3, call_ends_by = NULL \
               WHERE id = $1 AND status = 'pending' RETURNING id) \
             INSERT INTO daily_send_ledger AS l (day, errors) VALUES ((now() AT TIME ZONE 'UTC')::date, 1) \
             ON CONFLICT (day) DO UPDATE SET errors = l.errors + 1, updated_at = now()",
            message_id,
            error,
            kind.as_str(),
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Fails a message for good with `kind` and `reason`, and ends its journey with them: Meta's
    /// marketing limit ([`FailureKind::Limited`]) ends it `limited`, counted apart from
    /// `failed`; any other kind ends it `failed`.
    pub async fn fail_message(
        &self,
        message_id: i64,
        kind: FailureKind,
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let failed = sqlx::query!(
            "UPDATE messages SET status = 'failed', error = $2, failure_kind = $3, failed_at = now() \
             WHERE id = $1 AND message_status_can_advance(status, 'failed') RETURNING campaign_id, contact_id",
            message_id,
            reason,
            kind.as_str(),
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(failed) = failed {
            let outcome = match kind {
                FailureKind::Limited => JourneyState::Limited,
                _ => JourneyState::Failed,
            };
            // The journey first: counters are written after the journey they count is locked.
            Self::end_journey_in(
                &mut tx,
                failed.campaign_id,
                failed.contact_id,
                outcome,
                Some(reason),
                Some(kind),
            )
            .await?;
            CounterDelta {
                messages_failed: 1,
                ..CounterDelta::default()
            }
            .apply(&mut tx, failed.campaign_id, shard_of(failed.contact_id))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
