//! Message status after the send (R7): provider acknowledgements move a message forward only
//! (`sent → delivered → read`, `failed` terminal), and its campaign's delivery counters move in
//! the same transaction, so statistics read counters that always agree with the rows.

use super::{Store, StoreError};
use crate::counters::{CounterDelta, shard_of};
use campaign_domain::{FailureKind, MessageStatus};
use chrono::{DateTime, Utc};

impl Store {
    /// Moves a message forward from a provider acknowledgement (R7) and counts it on its
    /// campaign in the same transaction, so the campaign's `messages_delivered`,
    /// `messages_read` and `messages_failed` counters always agree with the message rows and
    /// statistics never scan messages. This is the method the webhook bridge calls for
    /// `message:out:ack` events.
    ///
    /// Forward only: `sent → delivered → read`, `failed` terminal. A `read` that skipped
    /// `delivered` counts as delivered too (a read message was delivered); `at` fills each
    /// timestamp the move implies, keeping an earlier one. Out-of-order, repeated, unknown
    /// (no message with this provider id yet) and `pending`/`sent` acknowledgements change
    /// nothing: acceptance is recorded by [`Store::mark_sent`] when the provider answers the
    /// send. A `failed` that says no more is of kind `unknown` (see
    /// [`Store::fail_delivery_at`]); a late `failed` leaves the journey to its workflow. Returns
    /// whether anything changed.
    pub async fn advance_message_status_at(
        &self,
        provider_message_id: &str,
        new_status: MessageStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let failure = (new_status == MessageStatus::Failed).then_some((FailureKind::Unknown, None));
        self.advance_status(provider_message_id, new_status, failure, at)
            .await
    }

    /// A provider's `failed` status that says why (Meta's `statuses[].errors`): the message
    /// fails like [`Store::advance_message_status_at`] would fail it, with `kind` and `reason`
    /// kept for operators and statistics. The journey is left to its workflow, which hears of
    /// the failure from the webhook (a [`FailureKind::Limited`] ends it `limited`).
    pub async fn fail_delivery_at(
        &self,
        provider_message_id: &str,
        kind: FailureKind,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.advance_status(
            provider_message_id,
            MessageStatus::Failed,
            Some((kind, Some(reason))),
            at,
        )
        .await
    }

    async fn advance_status(
        &self,
        provider_message_id: &str,
        new_status: MessageStatus,
        failure: Option<(FailureKind, Option<&str>)>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if !matches!(
            new_status,
            MessageStatus::Delivered | MessageStatus::Read | MessageStatus::Failed
        ) {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query!(
            r#"UPDATE messages m SET status = $2,
                 delivered_at = CASE WHEN $2 IN ('delivered', 'read') THEN coalesce(m.delivered_at, $3)
                   ELSE m.delivered_at END,
                 read_at = CASE WHEN $2 = 'read' THEN coalesce(m.read_at, $3) ELSE m.read_at END,
                 failed_at = CASE WHEN $2 = 'failed' THEN coalesce(m.failed_at, $3) ELSE m.failed_at END,
                 failure_kind = CASE WHEN $2 = 'failed' THEN $4 END,
                 error = CASE WHEN $2 = 'failed' THEN coalesce($5, m.error) END
               FROM (SELECT id, status FROM messages WHERE provider_message_id = $1 FOR UPDATE) old
               WHERE m.id = old.id AND message_status_can_advance(old.status, $2)
               RETURNING m.campaign_id, m.contact_id, old.status AS "old_status!: MessageStatus""#,
            provider_message_id,
            new_status.as_str(),
            at,
            failure.map(|(kind, _)| kind.as_str()),
            failure.and_then(|(_, reason)| reason),
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(moved) = moved else {
            return Ok(false);
        };
        let was_delivered = matches!(
            moved.old_status,
            MessageStatus::Delivered | MessageStatus::Read
        );
        let delivered = i32::from(
            !was_delivered && matches!(new_status, MessageStatus::Delivered | MessageStatus::Read),
        );
        let read = i32::from(new_status == MessageStatus::Read);
        let failed = i32::from(new_status == MessageStatus::Failed);
        CounterDelta {
            messages_delivered: delivered,
            messages_read: read,
            messages_failed: failed,
            ..CounterDelta::default()
        }
        .apply(&mut tx, moved.campaign_id, shard_of(moved.contact_id))
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether a message with this provider id has been recorded as accepted.
    pub async fn message_recorded(&self, provider_message_id: &str) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM messages
                 WHERE provider_message_id = $1 OR window_fallback_provider_id = $1) AS "recorded!""#,
            provider_message_id,
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rows::{prepared_message, running_campaign};
    use campaign_domain::{JourneyState, MessageType};
    use sqlx::PgPool;

    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_late_delivered_never_overwrites_read(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        let (campaign_id, contacts) = running_campaign(&store, 1).await;
        let message_id =
            prepared_message(&store, campaign_id, contacts[0], MessageType::Message1).await;
        store
            .mark_sent(message_id, "provider-1", None)
            .await
            .unwrap();
        let at = Utc::now();

        assert!(
            store
                .advance_message_status_at("provider-1", MessageStatus::Read, at)
                .await
                .unwrap()
        );
        assert!(
            !store
                .advance_message_status_at("provider-1", MessageStatus::Delivered, at)
                .await
                .unwrap()
        );
        assert!(
            !store
                .advance_message_status_at("provider-1", MessageStatus::Read, at)
                .await
                .unwrap()
        );

        let message = sqlx::query!(
            r#"SELECT status AS "status: MessageStatus", delivered_at, read_at FROM messages WHERE id = $1"#,
            message_id,
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(message.status, MessageStatus::Read);
        assert!(message.delivered_at.is_some() && message.read_at.is_some());
        let counters = sqlx::query!(
            r#"SELECT messages_sent AS "messages_sent!", messages_delivered AS "messages_delivered!",
                 messages_read AS "messages_read!"
               FROM campaign_counter_totals WHERE campaign_id = $1"#,
            campaign_id,
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        // The read counts as delivered, once.
        assert_eq!(
            (
                counters.messages_sent,
                counters.messages_delivered,
                counters.messages_read
            ),
            (1, 1, 1)
        );
    }

    /// A message's provider id, status, failure kind and error, and its journey's state.
    type MessageAndJourney = (
        String,
        MessageStatus,
        Option<FailureKind>,
        Option<String>,
        JourneyState,
    );

    /// A failed status keeps its kind and reason (Meta's error), or is of kind `unknown` when the
    /// provider said no more; either way the journey is left to its workflow.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn a_failed_status_keeps_its_kind(pool: PgPool) {
        let store = Store::from_pool(pool.clone());
        let (campaign_id, contacts) = running_campaign(&store, 2).await;
        for (contact_id, provider_id) in contacts.iter().zip(["limited-1", "failed-1"]) {
            let message =
                prepared_message(&store, campaign_id, *contact_id, MessageType::Message1).await;
            store.mark_sent(message, provider_id, None).await.unwrap();
        }
        let at = Utc::now();
        assert!(
            store
                .fail_delivery_at("limited-1", FailureKind::Limited, "(#131049) held back", at)
                .await
                .unwrap()
        );
        assert!(
            store
                .advance_message_status_at("failed-1", MessageStatus::Failed, at)
                .await
                .unwrap()
        );
        let rows: Vec<MessageAndJourney> = sqlx::query_as(
            "SELECT m.provider_message_id, m.status, m.failure_kind, m.error, j.state \
                 FROM messages m JOIN journeys j USING (campaign_id, contact_id) \
                 WHERE m.campaign_id = $1 ORDER BY m.provider_message_id",
        )
        .bind(campaign_id)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                (
                    "failed-1".to_owned(),
                    MessageStatus::Failed,
                    Some(FailureKind::Unknown),
                    None,
                    JourneyState::AwaitingInteraction
                ),
                (
                    "limited-1".to_owned(),
                    MessageStatus::Failed,
                    Some(FailureKind::Limited),
                    Some("(#131049) held back".to_owned()),
                    JourneyState::AwaitingInteraction
                ),
            ]
        );
        let stats = store.campaign_stats(campaign_id).await.unwrap();
        assert_eq!((stats.messages_failed, stats.limited), (2, 0));
    }
}
