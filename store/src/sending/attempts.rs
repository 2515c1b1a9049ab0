//! Counting a provider call right before it is made: the frequency cap on a Message 1's first
//! call (R24), the journey still open, the day's ledger unit on the message's first call (R10), the pacing gates of a paced Message 1 (R11), and the
//! bound of a call in flight that a retry after a crash waits out.

use super::AttemptCount;
use crate::ledger;
use crate::{Store, StoreError};
use campaign_domain::sending::{DAILY_LIMIT_REASON, FREQUENCY_CAP_REASON};
use campaign_domain::{FailureKind, FrequencyCap, MessageType, Pacing};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};
use std::time::Duration;

impl Store {
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
    ///
    /// A Message 1's first call is refused when the contact already had as many Message 1s as its
    /// campaign's frequency cap allows (R24): the contact's row stays locked from the count to
    /// the commit, so two campaigns' sends to one contact are counted one after the other and
    /// can never pass the cap together.
    pub async fn count_attempt(
        &self,
        message_id: i64,
        daily_limit: i32,
        call_bound: Duration,
        paced: Option<(i64, &Pacing)>,
    ) -> Result<AttemptCount, StoreError> {
        let mut tx = self.pool.begin().await?;
        if frequency_cap_reached(&mut tx, message_id).await? {
            tx.rollback().await?;
            self.fail_message(
                message_id,
                FailureKind::FrequencyCapped,
                FREQUENCY_CAP_REASON,
            )
            .await?;
            return Ok(AttemptCount::FrequencyCapped);
        }
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
}

/// Whether a Message 1 about to make its first call would pass its campaign's frequency cap
/// (R24). Locks the contact's row first, then counts in a statement of its own: under READ
/// COMMITTED that count sees every call a concurrent send to this contact committed while this
/// one waited for the lock. Message 2, a retry's call and an uncapped campaign take no lock.
async fn frequency_cap_reached(
    tx: &mut Transaction<'_, Postgres>,
    message_id: i64,
) -> Result<bool, StoreError> {
    let capped = sqlx::query!(
        r#"SELECT m.contact_id, (c.settings -> 'frequency_cap') AS "cap!: Json<FrequencyCap>"
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id JOIN contacts k ON k.id = m.contact_id
           WHERE m.id = $1 AND m.message_type = 'message_1' AND m.first_call_at IS NULL
             AND jsonb_typeof(c.settings -> 'frequency_cap') = 'object'
           FOR NO KEY UPDATE OF k"#,
        message_id,
    )
    .fetch_optional(&mut **tx)
    .await?;
    let Some(capped) = capped else {
        return Ok(false);
    };
    let Json(cap) = capped.cap;
    let recent = sqlx::query_scalar!(
        r#"SELECT message_1s_received_since($1, now() - make_interval(days => $2)) AS "recent!""#,
        capped.contact_id,
        cap.days() as i32,
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(!cap.allows_another(recent))
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
