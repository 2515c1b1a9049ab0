//! One send of a message, around its provider call: [`Store::prepare_send`] decides what the
//! attempt does, [`Store::count_attempt`] counts the call right before it, and the provider's
//! answer ends in [`Store::mark_sent`], [`Store::note_send_error`] or [`Store::fail_message`].
//!
//! The message row is the idempotency record: the unique (campaign, contact, type) key makes a
//! second Message 2 row impossible, an accepted message is never sent again, and the first call's
//! start and the bound of a call still in flight let a retry after a crash find out what happened
//! instead of sending twice.

use super::{Store, StoreError};
use crate::counters::{CounterDelta, shard_of};
use crate::ledger;
use crate::message_content::{NotComposed, SendTarget};
use crate::provider_state::pause_campaign_in;
use campaign_domain::sending::DAILY_LIMIT_REASON;
use campaign_domain::{
    CatalogTemplate, FailureKind, JourneyState, MessageContent, MessageStatus, MessageType, Pacing,
    TemplateMessage,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};
use std::time::Duration;

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
                   AND m.message_type = 'message_1') AS message_1_sent_at
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
        let send_target = SendTarget {
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
            "INSERT INTO messages (campaign_id, contact_id, message_type, content) VALUES ($1, $2, $3, $4) \
             ON CONFLICT ON CONSTRAINT messages_campaign_contact_type_key DO NOTHING",
            campaign_id,
            contact_id,
            message_type.as_str(),
            composed.text,
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
            "INSERT INTO journeys (campaign_id, contact_id, state) VALUES ($1, $2, $3) \
             ON CONFLICT (campaign_id, contact_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now() \
             WHERE NOT journey_state_is_final(journeys.state)",
            campaign_id,
            contact_id,
            sending_state.as_str(),
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

    /// Counts a provider call about to be made for a message, in one transaction right before
    /// the call. Counted before the call, so a retry after a crash knows a call may have gone
    /// out; no call is counted for a contact who opted out (R19); the first call's start is kept
    /// (from then on the contact may have the message), and
    /// `call_ends_by` (now + `call_bound`) says until when this call may still be in flight. A
    /// call an earlier attempt may still have in flight (its worker vanished, or its heartbeats
    /// were lost) means no call now: the caller waits until it has certainly ended, then asks the
    /// provider whether it got through. The journey must still be open (a stop or cutoff while the
    /// send waited for its pacing slot means no call), and the message's first call consumes the
    /// day's ledger unit (R10), once per message: the unit is charged to the day the message
    /// leaves, never to a send that does not happen.
    ///
    /// A paced Message 1 (`paced`: its campaign and pacing) is counted only once the pacing gates
    /// have passed, and moves them on from this moment (R11; see the `pacing_gate` migration).
    pub async fn count_attempt(
        &self,
        message_id: i64,
        daily_limit: i32,
        call_bound: Duration,
        paced: Option<(i64, &Pacing)>,
    ) -> Result<AttemptCount, StoreError> {
        let mut tx = self.pool.begin().await?;
        // One round trip: this runs between the pacing slot and the provider call. The last
        // three columns are set only when the statement counted the call.
        let attempt = sqlx::query!(
            r#"WITH m AS (SELECT m.id, NOT EXISTS (SELECT 1 FROM journeys j
                   WHERE j.campaign_id = m.campaign_id AND j.contact_id = m.contact_id
                   AND journey_state_is_final(j.state)) AS journey_open,
                 CASE WHEN m.call_ends_by > now() THEN m.call_ends_by END AS earlier_call_ends_by,
                 EXISTS (SELECT 1 FROM contacts k WHERE k.id = m.contact_id
                   AND k.opted_out_at IS NOT NULL) AS opted_out,
                 m.first_call_at IS NOT NULL AS called_before
                 FROM messages m WHERE m.id = $1 FOR UPDATE),
               counted AS (UPDATE messages SET attempts = attempts + 1,
                   first_call_at = coalesce(first_call_at, now()),
                   call_ends_by = now() + make_interval(secs => $2)
                 FROM m WHERE messages.id = m.id AND m.journey_open AND m.earlier_call_ends_by IS NULL
                   AND NOT m.opted_out
                 RETURNING messages.attempts, messages.message_type,
                   messages.ledger_day IS NOT NULL AS ledger_consumed)
               SELECT m.journey_open AS "journey_open!", m.earlier_call_ends_by,
                 m.opted_out AS "opted_out!", m.called_before AS "called_before!",
                 c.attempts AS "attempts?", c.message_type AS "message_type?: MessageType",
                 c.ledger_consumed AS "ledger_consumed?"
               FROM m LEFT JOIN counted c ON true"#,
            message_id,
            call_bound.as_secs_f64(),
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("message"))?;
        if !attempt.journey_open {
            return Ok(AttemptCount::JourneyClosed);
        }
        if let Some(until) = attempt.earlier_call_ends_by {
            return Ok(AttemptCount::EarlierCallInFlight { until });
        }
        if attempt.opted_out {
            return Ok(AttemptCount::OptedOut {
                called_before: attempt.called_before,
            });
        }
        let (Some(attempts), Some(message_type), Some(ledger_consumed)) = (
            attempt.attempts,
            attempt.message_type,
            attempt.ledger_consumed,
        ) else {
            return Err(StoreError::NotFound("message"));
        };
        if !ledger_consumed {
            if !ledger::consume_unit(&mut *tx, Some(message_type), daily_limit).await? {
                tx.rollback().await?;
                self.fail_message(message_id, FailureKind::DailyLimit, DAILY_LIMIT_REASON)
                    .await?;
                return Ok(AttemptCount::DailyLimitReached);
            }
            sqlx::query!(
                "UPDATE messages SET ledger_day = (now() AT TIME ZONE 'UTC')::date WHERE id = $1",
                message_id,
            )
            .execute(&mut *tx)
            .await?;
        }
        if let Some((campaign_id, pacing)) = paced
            && let Some(until) = pass_pacing_gate(&mut tx, campaign_id, pacing).await?
        {
            tx.rollback().await?;
            return Ok(AttemptCount::PacingGate { until });
        }
        tx.commit().await?;
        Ok(AttemptCount::Counted(attempts))
    }

    /// Takes back the attempt counted for a call the provider refused as rate-limited: waiting
    /// for the provider is not the message's fault (R13: paused sends are not failed).
    pub async fn uncount_attempt(&self, message_id: i64) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE messages SET attempts = greatest(attempts - 1, 0), call_ends_by = NULL WHERE id = $1",
            message_id,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
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

/// Passes the pacing gates of a call leaving now, or says when they open. Taken last in the
/// transaction that counts the call, so the gate's time is as close to the call as the commit.
/// Locks the shared clock before the campaign, like [`Store::reserve_send_slot`].
async fn pass_pacing_gate(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
    pacing: &Pacing,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let clock =
        sqlx::query!(r#"SELECT gate_at, clock_timestamp() AS "now!" FROM send_clock FOR UPDATE"#)
            .fetch_one(&mut **tx)
            .await?;
    let campaign = sqlx::query!(
        "SELECT pacing_gate_at, paced_calls FROM campaigns WHERE id = $1 FOR NO KEY UPDATE",
        campaign_id,
    )
    .fetch_one(&mut **tx)
    .await?;
    let opens_at = clock.gate_at.max(campaign.pacing_gate_at);
    if let Some(opens_at) = opens_at.filter(|&at| clock.now < at) {
        return Ok(Some(opens_at));
    }
    let interval = chrono::Duration::milliseconds(pacing.interval_ms as i64);
    let paced_calls = campaign.paced_calls + 1;
    let batch_done = pacing.batch_size > 0 && paced_calls % pacing.batch_size as i32 == 0;
    let campaign_gate = if batch_done {
        clock.now + interval + chrono::Duration::milliseconds(pacing.batch_pause_ms as i64)
    } else {
        clock.now + interval
    };
    sqlx::query!("UPDATE send_clock SET gate_at = $1", clock.now + interval)
        .execute(&mut **tx)
        .await?;
    sqlx::query!(
        "UPDATE campaigns SET pacing_gate_at = $2, paced_calls = $3 WHERE id = $1",
        campaign_id,
        campaign_gate,
        paced_calls,
    )
    .execute(&mut **tx)
    .await?;
    Ok(None)
}
