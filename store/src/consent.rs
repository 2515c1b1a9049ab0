//! Consent changes the contacts make (R19): `STOP` opts a contact out, `START` back in, and a
//! send to a contact who opted out is refused right before its provider call.
//!
//! Each change is a `consent_changes` row keyed by the provider id of the message that made it
//! (a redelivered webhook finds it and changes nothing); the one in force is the latest by the
//! time the contact wrote it, ties going to the one recorded last, so webhooks delivered out of
//! order leave the contact as their last message said. Only this module moves
//! `contacts.opted_out_at`, and a trigger refuses any other write of it. Each change is in the
//! audit log, its actor the contact (R22).

use super::{Store, StoreError};
use crate::audit::{self, Actor, AuditAction, AuditEntry, AuditTarget};
use crate::counters::{CounterDelta, shard_of};
use crate::ledger;
use campaign_domain::{ConsentChange, JourneyState};
use chrono::{DateTime, Utc};

/// A consent change recorded for a known contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedConsent {
    pub contact_id: i64,
    /// The `consent_changes` row (the earlier one, for a redelivered message).
    pub consent_change_id: i64,
    /// The change is the one in force: no later message of the contact overrides it.
    pub in_force: bool,
    /// The message had been recorded before: nothing changed now.
    pub redelivered: bool,
    /// The change opted out a contact who accepted messages, it is still in force and its
    /// confirmation has not been sent: a confirmation is due.
    pub confirmation_due: bool,
}

/// What a confirmation send should do, decided before its provider call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmationStep {
    /// Call the provider: this many calls so far, this one included.
    Send { phone: String, attempts: i32 },
    /// Already accepted by the provider.
    AlreadySent,
    /// The contact opted back in meanwhile: no confirmation.
    OptedBackIn,
    /// The daily ledger is full (R10): no confirmation today.
    DailyLimitReached,
}

impl Store {
    /// Records a consent change written by the contact with this phone at `received_at`, and
    /// applies it to the contact unless a later message of theirs already did. `None` when no
    /// contact has this phone.
    pub async fn record_consent_change(
        &self,
        phone: &str,
        change: ConsentChange,
        provider_message_id: &str,
        received_at: DateTime<Utc>,
    ) -> Result<Option<RecordedConsent>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(contact) = sqlx::query!(
            r#"SELECT id, opted_out_at IS NOT NULL AS "opted_out!" FROM contacts
               WHERE phone = $1 FOR NO KEY UPDATE"#,
            phone,
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let contact_id = contact.id;
        let opts_out = change == ConsentChange::OptOut;
        let inserted = sqlx::query_scalar!(
            "INSERT INTO consent_changes (contact_id, change, provider_message_id, received_at, confirmation_due) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT ON CONSTRAINT consent_changes_provider_message_id_key DO NOTHING RETURNING id",
            contact_id,
            change.as_str(),
            provider_message_id,
            received_at,
            opts_out && !contact.opted_out,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let (consent_change_id, redelivered) = match inserted {
            Some(id) => (id, false),
            None => (
                sqlx::query_scalar!(
                    "SELECT id FROM consent_changes WHERE provider_message_id = $1",
                    provider_message_id,
                )
                .fetch_one(&mut *tx)
                .await?,
                true,
            ),
        };
        if !redelivered {
            let action = match change {
                ConsentChange::OptOut => AuditAction::ContactOptOut,
                ConsentChange::OptIn => AuditAction::ContactOptIn,
            };
            audit::record(
                &mut *tx,
                &AuditEntry::new(Actor::contact(contact_id, phone), action)
                    .target(AuditTarget::Contact, contact_id)
                    .summary(serde_json::json!({
                        "provider_message_id": provider_message_id,
                        "written_at": received_at,
                    })),
            )
            .await?;
            sqlx::query!(
                "UPDATE contacts k SET consent_change_id = $2, updated_at = now(),
                   opted_out_at = CASE WHEN $3 THEN $4 END,
                   opt_out_message_id = CASE WHEN $3 THEN $5 END
                 WHERE k.id = $1 AND NOT EXISTS (SELECT 1 FROM consent_changes f
                   WHERE f.id = k.consent_change_id AND (f.received_at, f.id) > ($4, $2))",
                contact_id,
                consent_change_id,
                opts_out,
                received_at,
                provider_message_id,
            )
            .execute(&mut *tx)
            .await?;
        }
        let state = sqlx::query!(
            r#"SELECT coalesce(k.consent_change_id = f.id, false) AS "in_force!",
                 f.confirmation_due AND f.confirmation_sent_at IS NULL AS "unconfirmed!"
               FROM consent_changes f JOIN contacts k ON k.id = f.contact_id WHERE f.id = $1"#,
            consent_change_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(RecordedConsent {
            contact_id,
            consent_change_id,
            in_force: state.in_force,
            redelivered,
            confirmation_due: state.in_force && state.unconfirmed,
        }))
    }

    /// Ends a send refused because its contact opted out (R19): nothing was sent, so no ledger
    /// unit was used. The message row goes (a retry of the campaign must not find it pending),
    /// unless an earlier attempt made a call, whose outcome the caller has ruled out: then it is
    /// failed with the reason. The journey ends `opted_out`.
    pub async fn refuse_opted_out_send(&self, message_id: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let removed = sqlx::query!(
            "DELETE FROM messages WHERE id = $1 AND status = 'pending' AND first_call_at IS NULL \
             RETURNING campaign_id, contact_id",
            message_id,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let journey = match removed {
            Some(row) => Some((row.campaign_id, row.contact_id, false)),
            None => sqlx::query!(
                "UPDATE messages SET status = 'failed', error = $2, failure_kind = $3, failed_at = now(), \
                   call_ends_by = NULL \
                 WHERE id = $1 AND message_status_can_advance(status, 'failed') \
                 RETURNING campaign_id, contact_id",
                message_id,
                campaign_domain::sending::OPTED_OUT_REASON,
                campaign_domain::FailureKind::OptedOut.as_str(),
            )
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| (row.campaign_id, row.contact_id, true)),
        };
        if let Some((campaign_id, contact_id, failed)) = journey {
            Self::finish_journey_in(
                &mut tx,
                campaign_id,
                contact_id,
                JourneyState::OptedOut,
                None,
            )
            .await?;
            if failed {
                CounterDelta {
                    messages_failed: 1,
                    ..CounterDelta::default()
                }
                .apply(&mut tx, campaign_id, shard_of(contact_id))
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Decides, in one transaction, what an attempt at the opt-out confirmation does: counts the
    /// call and consumes its ledger unit (once) when it is to be made.
    pub async fn prepare_confirmation(
        &self,
        consent_change_id: i64,
        daily_limit: i32,
    ) -> Result<ConfirmationStep, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query!(
            r#"SELECT f.confirmation_sent_at, f.confirmation_ledger_day, k.phone,
                 k.consent_change_id = f.id AS "in_force!"
               FROM consent_changes f JOIN contacts k ON k.id = f.contact_id
               WHERE f.id = $1 FOR UPDATE OF f"#,
            consent_change_id,
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("consent change"))?;
        if row.confirmation_sent_at.is_some() {
            return Ok(ConfirmationStep::AlreadySent);
        }
        if !row.in_force {
            return Ok(ConfirmationStep::OptedBackIn);
        }
        if row.confirmation_ledger_day.is_none()
            && !ledger::consume_unit(&mut *tx, None, daily_limit).await?
        {
            return Ok(ConfirmationStep::DailyLimitReached);
        }
        let attempts = sqlx::query_scalar!(
            "UPDATE consent_changes SET confirmation_attempts = confirmation_attempts + 1,
               confirmation_ledger_day = coalesce(confirmation_ledger_day, (now() AT TIME ZONE 'UTC')::date)
             WHERE id = $1 RETURNING confirmation_attempts",
            consent_change_id,
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ConfirmationStep::Send {
            phone: row.phone,
            attempts,
        })
    }

    /// Records the provider's acceptance of the confirmation (idempotent).
    pub async fn mark_confirmation_sent(
        &self,
        consent_change_id: i64,
        provider_message_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE consent_changes SET confirmation_provider_id = $2, confirmation_sent_at = now(), \
               confirmation_error = NULL WHERE id = $1 AND confirmation_sent_at IS NULL",
            consent_change_id,
            provider_message_id,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes why a confirmation attempt failed, for operators.
    pub async fn note_confirmation_error(
        &self,
        consent_change_id: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        sqlx::query!(
            "UPDATE consent_changes SET confirmation_error = $2 WHERE id = $1",
            consent_change_id,
            error,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AttemptCount;
    use crate::test_rows::{prepared_message, running_campaign};
    use campaign_domain::MessageType;
    use chrono::Duration as Span;
    use sqlx::PgPool;

    async fn phone(store: &Store, contact_id: i64) -> String {
        sqlx::query_scalar!("SELECT phone FROM contacts WHERE id = $1", contact_id)
            .fetch_one(store.pool())
            .await
            .unwrap()
    }

    async fn opted_out(store: &Store, contact_id: i64) -> bool {
        sqlx::query_scalar!(
            r#"SELECT opted_out_at IS NOT NULL AS "opted_out!" FROM contacts WHERE id = $1"#,
            contact_id
        )
        .fetch_one(store.pool())
        .await
        .unwrap()
    }

    /// The change in force is the contact's latest message, whatever order webhooks arrive in;
    /// a redelivery changes nothing; only a first opt-out is confirmed.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn the_latest_message_of_the_contact_decides(pool: PgPool) {
        let store = Store::from_pool(pool);
        let (_, contacts) = running_campaign(&store, 1).await;
        let (contact_id, phone) = (contacts[0], phone(&store, contacts[0]).await);
        let now = Utc::now();
        let record = |id: &'static str, change, at| {
            let (store, phone) = (store.clone(), phone.clone());
            async move {
                store
                    .record_consent_change(&phone, change, id, at)
                    .await
                    .unwrap()
                    .unwrap()
            }
        };

        let stop = record("stop", ConsentChange::OptOut, now).await;
        assert!(stop.in_force && stop.confirmation_due && !stop.redelivered);
        assert!(opted_out(&store, contact_id).await);
        let again = record("stop-again", ConsentChange::OptOut, now + Span::seconds(1)).await;
        assert!(again.in_force && !again.confirmation_due);
        let redelivered = record("stop", ConsentChange::OptOut, now).await;
        assert!(redelivered.redelivered && !redelivered.in_force);
        assert!(!redelivered.confirmation_due);

        let start = record("start", ConsentChange::OptIn, now + Span::seconds(5)).await;
        assert!(start.in_force);
        assert!(!opted_out(&store, contact_id).await);
        // A STOP written before the START but delivered after it does not undo it.
        let late = record("late-stop", ConsentChange::OptOut, now + Span::seconds(3)).await;
        assert!(!late.in_force && !late.confirmation_due);
        assert!(!opted_out(&store, contact_id).await);
        // Written in the same second as the START, recorded after it: the later record wins.
        let tie = record("tie-stop", ConsentChange::OptOut, now + Span::seconds(5)).await;
        assert!(tie.in_force && tie.confirmation_due);
        assert!(opted_out(&store, contact_id).await);

        assert_eq!(
            store
                .record_consent_change("+33699999999", ConsentChange::OptOut, "unknown", now)
                .await
                .unwrap(),
            None
        );
        let cleared = sqlx::query!(
            "UPDATE contacts SET opted_out_at = NULL, opt_out_message_id = NULL WHERE id = $1",
            contact_id
        )
        .execute(store.pool())
        .await;
        assert!(cleared.is_err());
        assert!(opted_out(&store, contact_id).await);
    }

    /// A send to a contact who opted out is not counted, uses no ledger unit, leaves no message
    /// row and ends the journey `opted_out`, counted once.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_send_to_an_opted_out_contact_is_refused_before_its_call(pool: PgPool) {
        let store = Store::from_pool(pool);
        let (campaign_id, contacts) = running_campaign(&store, 1).await;
        let contact_id = contacts[0];
        let message =
            prepared_message(&store, campaign_id, contact_id, MessageType::Message1).await;
        let phone = phone(&store, contact_id).await;
        store
            .record_consent_change(&phone, ConsentChange::OptOut, "stop", Utc::now())
            .await
            .unwrap();
        let counted = store
            .count_attempt(message, 10, std::time::Duration::from_secs(5), None)
            .await
            .unwrap();
        assert_eq!(
            counted,
            AttemptCount::OptedOut {
                called_before: false
            }
        );
        store.refuse_opted_out_send(message).await.unwrap();
        assert_eq!(store.sent_today().await.unwrap(), 0);
        let left = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM messages WHERE id = $1"#,
            message
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(left, 0);
        let stats = store.campaign_stats(campaign_id).await.unwrap();
        assert_eq!((stats.opted_out, stats.pending), (1, 0));
    }
}
