//! Read-side queries of the API: statistics, monitoring and metrics. Campaign statistics read
//! the campaign's live counters (`campaign_counter_totals`), never a scan of its messages.

use super::{Store, StoreError};
use crate::contacts::phone_fragment;
use crate::page::{Page, PageRequest};
use campaign_domain::{CampaignState, FailureKind, MessageStatus, MessageType};
use chrono::{DateTime, NaiveDate, Utc};

/// A campaign's statistics, straight from its live counters (its row and at most
/// [`COUNTER_SHARDS`](crate::counters::COUNTER_SHARDS) counter rows, read by primary key, so it
/// stays fast on a 100k-contact campaign). `pending` counts journeys not yet final.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CampaignStats {
    pub status: CampaignState,
    pub total_contacts: i32,
    pub messages_sent: i32,
    pub messages_delivered: i32,
    pub messages_read: i32,
    pub messages_failed: i32,
    pub interactions: i32,
    pub message_2_sent: i32,
    pub no_interaction: i32,
    pub late_interaction: i32,
    pub failed: i32,
    pub cancelled: i32,
    pub opted_out: i32,
    /// Journeys Meta held back under its per-user marketing limit: apart from `failed`.
    pub limited: i32,
    pub pending: i32,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Filters of the message list and statistics; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub status: Option<MessageStatus>,
    pub message_type: Option<MessageType>,
    /// A fragment of the recipient's name (case-insensitive) or phone number.
    pub search: Option<String>,
}

/// One message as the API lists it, with its recipient's phone.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageListItem {
    pub id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub phone: String,
    pub message_type: MessageType,
    pub content: String,
    pub status: MessageStatus,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub error: Option<String>,
    /// The kind of `error`.
    pub failure_kind: Option<FailureKind>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// Messages by current status (each message counted once, so the five add up to `total`) and
/// rates in percent, two decimals:
/// - `success_rate`: accepted by the provider (`sent`, `delivered` or `read`) among messages
///   with an outcome (pending ones are still being tried);
/// - `delivery_rate`: `delivered` or `read` among accepted ones (a read message was delivered);
/// - `read_rate`: `read` among accepted ones.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageStats {
    pub total: i64,
    pub sent: i64,
    pub delivered: i64,
    pub read: i64,
    pub failed: i64,
    pub pending: i64,
    pub success_rate: f64,
    pub delivery_rate: f64,
    pub read_rate: f64,
}

impl MessageStats {
    fn from_counts(sent: i64, delivered: i64, read: i64, failed: i64, pending: i64) -> Self {
        let accepted = sent + delivered + read;
        MessageStats {
            total: accepted + failed + pending,
            sent,
            delivered,
            read,
            failed,
            pending,
            success_rate: percent(accepted, accepted + failed),
            delivery_rate: percent(delivered + read, accepted),
            read_rate: percent(read, accepted),
        }
    }
}

/// Today's (UTC) sending figures from the send ledger, the circuit breaker and interactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailySends {
    pub date: NaiveDate,
    pub sent: i32,
    pub message_1: i32,
    pub message_2: i32,
    pub errors: i32,
    /// Distinct (campaign, contact) pairs that interacted within their window today.
    pub answered: i64,
    pub sending_paused_until: Option<DateTime<Utc>>,
}

/// A campaign's funnel: each stage counts the contacts who reached it. Message 1's stages come
/// from its messages (a read message was delivered, a delivered one sent), "interacted" from
/// the interactions recorded inside the window, the outcomes from the campaign's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFunnel {
    pub total: i64,
    pub message_1_sent: i64,
    pub message_1_delivered: i64,
    pub message_1_read: i64,
    pub interacted_in_window: i64,
    pub message_2_sent: i64,
    pub no_interaction: i64,
    pub late_interaction: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub opted_out: i64,
    pub limited: i64,
    pub pending: i64,
}

/// A funnel stage whose contacts can be listed (the outcomes are journey states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelStage {
    Message1Sent,
    Message1Delivered,
    Message1Read,
    InteractedInWindow,
}

impl FunnelStage {
    pub fn as_str(self) -> &'static str {
        match self {
            FunnelStage::Message1Sent => "message_1_sent",
            FunnelStage::Message1Delivered => "message_1_delivered",
            FunnelStage::Message1Read => "message_1_read",
            FunnelStage::InteractedInWindow => "interacted_in_window",
        }
    }
}

/// One UTC day of sending: the ledger's sends and errors, and the interactions received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySends {
    pub date: NaiveDate,
    pub message_1: i32,
    pub message_2: i32,
    pub errors: i32,
    pub interactions: i64,
}

/// A message the provider refused for good, with what the console shows beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message_id: i64,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub contact_id: i64,
    pub contact_name: Option<String>,
    pub phone: String,
    pub message_type: MessageType,
    pub error: Option<String>,
    pub failure_kind: FailureKind,
    pub attempts: i32,
    pub at: DateTime<Utc>,
}

/// `part` as a percentage of `whole`, rounded to two decimals; 0 when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    (part as f64 * 10_000.0 / whole as f64).round() / 100.0
}

impl Store {
    /// Today's (UTC) messages by status, for the metrics endpoint.
    pub async fn messages_by_status_today(&self) -> Result<Vec<(MessageStatus, i64)>, StoreError> {
        let counts = sqlx::query!(
            r#"SELECT status AS "status: MessageStatus", count(*) AS "count!" FROM messages
               WHERE created_at >= (now() AT TIME ZONE 'UTC')::date GROUP BY status"#
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(counts
            .into_iter()
            .map(|count| (count.status, count.count))
            .collect())
    }

    /// A campaign's statistics from its summed counters.
    pub async fn campaign_stats(&self, campaign_id: i64) -> Result<CampaignStats, StoreError> {
        sqlx::query_as!(
            CampaignStats,
            r#"SELECT c.status AS "status: CampaignState", c.total_contacts,
                 t.messages_sent AS "messages_sent!", t.messages_delivered AS "messages_delivered!",
                 t.messages_read AS "messages_read!", t.messages_failed AS "messages_failed!",
                 t.interactions AS "interactions!", t.message_2_sent AS "message_2_sent!",
                 t.no_interaction AS "no_interaction!", t.late_interaction AS "late_interaction!",
                 t.failed AS "failed!", t.cancelled AS "cancelled!", t.opted_out AS "opted_out!",
                 t.limited AS "limited!",
                 greatest(c.total_contacts - t.message_2_sent - t.no_interaction - t.late_interaction
                   - t.failed - t.cancelled - t.opted_out - t.limited, 0) AS "pending!",
                 c.started_at, c.completed_at
               FROM campaigns c JOIN campaign_counter_totals t ON t.campaign_id = c.id
               WHERE c.id = $1"#,
            campaign_id,
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound("campaign"))
    }

    /// Messages matching `filter`, newest first.
    pub async fn list_messages(
        &self,
        filter: MessageFilter,
        page: PageRequest,
    ) -> Result<Page<MessageListItem>, StoreError> {
        let status = filter.status.map(MessageStatus::as_str);
        let message_type = filter.message_type.map(MessageType::as_str);
        let search = filter.search.as_deref();
        let phone = search.and_then(phone_fragment);
        let total = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM messages m JOIN contacts k ON k.id = m.contact_id
               WHERE ($1::bigint IS NULL OR m.campaign_id = $1)
                 AND ($2::bigint IS NULL OR m.contact_id = $2)
                 AND ($3::text IS NULL OR m.status = $3)
                 AND ($4::text IS NULL OR m.message_type = $4)
                 AND ($5::text IS NULL
                   OR strpos(lower(coalesce(k.first_name, '') || ' ' || coalesce(k.last_name, '')),
                             lower($5)) > 0
                   OR strpos(k.phone, $6) > 0)"#,
            filter.campaign_id,
            filter.contact_id,
            status,
            message_type,
            search,
            phone,
        )
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as!(
            MessageListItem,
            r#"SELECT m.id, m.campaign_id, m.contact_id, k.phone,
                 m.message_type AS "message_type: MessageType", m.content,
                 m.status AS "status: MessageStatus", m.provider_message_id, m.attempts, m.error,
                 m.failure_kind AS "failure_kind: FailureKind", m.created_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at
               FROM messages m JOIN contacts k ON k.id = m.contact_id
               WHERE ($1::bigint IS NULL OR m.campaign_id = $1)
                 AND ($2::bigint IS NULL OR m.contact_id = $2)
                 AND ($3::text IS NULL OR m.status = $3)
                 AND ($4::text IS NULL OR m.message_type = $4)
                 AND ($7::text IS NULL
                   OR strpos(lower(coalesce(k.first_name, '') || ' ' || coalesce(k.last_name, '')),
                             lower($7)) > 0
                   OR strpos(k.phone, $8) > 0)
               ORDER BY m.id DESC LIMIT $5 OFFSET $6"#,
            filter.campaign_id,
            filter.contact_id,
            status,
            message_type,
            page.limit(),
            page.offset(),
            search,
            phone,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(page.page(items, total))
    }

    /// Messages by status, of one campaign (through the `(campaign_id, status)` index) or of all.
    pub async fn message_stats(
        &self,
        campaign_id: Option<i64>,
    ) -> Result<MessageStats, StoreError> {
        let counts = sqlx::query!(
            r#"SELECT count(*) FILTER (WHERE status = 'sent') AS "sent!",
                 count(*) FILTER (WHERE status = 'delivered') AS "delivered!",
                 count(*) FILTER (WHERE status = 'read') AS "read!",
                 count(*) FILTER (WHERE status = 'failed') AS "failed!",
                 count(*) FILTER (WHERE status = 'pending') AS "pending!"
               FROM messages WHERE $1::bigint IS NULL OR campaign_id = $1"#,
            campaign_id,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(MessageStats::from_counts(
            counts.sent,
            counts.delivered,
            counts.read,
            counts.failed,
            counts.pending,
        ))
    }

    /// The funnel of a campaign (see [`CampaignFunnel`]): one pass over its Message 1s through
    /// the `(campaign, contact, type)` key and one over its in-window interactions.
    pub async fn campaign_funnel(&self, campaign_id: i64) -> Result<CampaignFunnel, StoreError> {
        let stats = self.campaign_stats(campaign_id).await?;
        let reached = sqlx::query!(
            r#"SELECT count(*) FILTER (WHERE status IN ('sent', 'delivered', 'read')) AS "sent!",
                 count(*) FILTER (WHERE status IN ('delivered', 'read')) AS "delivered!",
                 count(*) FILTER (WHERE status = 'read') AS "read!",
                 (SELECT count(DISTINCT i.contact_id) FROM interactions i
                  WHERE i.campaign_id = $1 AND i.within_window) AS "interacted!",
                 (SELECT count(*) FROM journeys j WHERE j.campaign_id = $1) AS "total!"
               FROM messages WHERE campaign_id = $1 AND message_type = 'message_1'"#,
            campaign_id,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(CampaignFunnel {
            total: reached.total,
            message_1_sent: reached.sent,
            message_1_delivered: reached.delivered,
            message_1_read: reached.read,
            interacted_in_window: reached.interacted,
            message_2_sent: stats.message_2_sent.into(),
            no_interaction: stats.no_interaction.into(),
            late_interaction: stats.late_interaction.into(),
            failed: stats.failed.into(),
            cancelled: stats.cancelled.into(),
            opted_out: stats.opted_out.into(),
            limited: stats.limited.into(),
            pending: stats.pending.into(),
        })
    }

    /// The last `days` UTC days, oldest first, today included; days without sends are zeros.
    pub async fn sending_history(&self, days: i32) -> Result<Vec<DaySends>, StoreError> {
        Ok(sqlx::query_as!(
            DaySends,
            r#"WITH days AS (
                 SELECT generate_series((now() AT TIME ZONE 'UTC')::date - ($1::int - 1),
                                        (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day)
               SELECT d.day AS "date!", coalesce(l.message_1, 0) AS "message_1!",
                 coalesce(l.message_2, 0) AS "message_2!", coalesce(l.errors, 0) AS "errors!",
                 (SELECT count(*) FROM interactions i
                  WHERE i.received_at >= d.day::timestamp AT TIME ZONE 'UTC'
                    AND i.received_at < (d.day + 1)::timestamp AT TIME ZONE 'UTC') AS "interactions!"
               FROM days d LEFT JOIN daily_send_ledger l ON l.day = d.day
               ORDER BY d.day"#,
            days,
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Failed messages, of one kind or all, most recent first, through the `(status,
    /// created_at)` index or the failed messages' `(failure_kind, created_at)` one.
    pub async fn recent_send_errors(
        &self,
        kind: Option<FailureKind>,
        page: PageRequest,
    ) -> Result<Page<SendError>, StoreError> {
        let kind = kind.map(FailureKind::as_str);
        let total = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM messages
               WHERE status = 'failed' AND ($1::text IS NULL OR failure_kind = $1)"#,
            kind,
        )
        .fetch_one(&self.pool)
        .await?;
        let items = sqlx::query_as!(
            SendError,
            r#"SELECT m.id AS message_id, m.campaign_id, c.name AS campaign_name, m.contact_id,
                 nullif(trim(coalesce(k.first_name, '') || ' ' || coalesce(k.last_name, '')), '')
                   AS contact_name,
                 k.phone, m.message_type AS "message_type: MessageType", m.error,
                 m.failure_kind AS "failure_kind!: FailureKind", m.attempts,
                 coalesce(m.failed_at, m.created_at) AS "at!"
               FROM messages m JOIN campaigns c ON c.id = m.campaign_id
                 JOIN contacts k ON k.id = m.contact_id
               WHERE m.status = 'failed' AND ($3::text IS NULL OR m.failure_kind = $3)
               ORDER BY m.created_at DESC, m.id DESC LIMIT $1 OFFSET $2"#,
            page.limit(),
            page.offset(),
            kind,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(page.page(items, total))
    }

    /// How many failed messages there are of each kind, most frequent first; kinds without any
    /// are left out.
    pub async fn send_errors_by_kind(&self) -> Result<Vec<(FailureKind, i64)>, StoreError> {
        let counts = sqlx::query!(
            r#"SELECT failure_kind AS "failure_kind!: FailureKind", count(*) AS "count!"
               FROM messages WHERE status = 'failed'
               GROUP BY failure_kind ORDER BY count(*) DESC, failure_kind"#
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(counts
            .into_iter()
            .map(|count| (count.failure_kind, count.count))
            .collect())
    }

    /// Today's (UTC) sends from the ledger, contacts who answered within their window today, and
    /// the circuit breaker's pause, if any.
    pub async fn daily_sends(&self) -> Result<DailySends, StoreError> {
        Ok(sqlx::query_as!(
            DailySends,
            r#"WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day)
               SELECT today.day AS "date!", coalesce(l.sent, 0) AS "sent!",
                 coalesce(l.message_1, 0) AS "message_1!", coalesce(l.message_2, 0) AS "message_2!",
                 coalesce(l.errors, 0) AS "errors!",
                 (SELECT count(DISTINCT (i.campaign_id, i.contact_id)) FROM interactions i
                  WHERE i.received_at >= today.day::timestamp AT TIME ZONE 'UTC'
                    AND i.within_window AND i.campaign_id IS NOT NULL) AS "answered!",
                 (SELECT paused_until FROM sending_circuit WHERE paused_until > now())
                   AS sending_paused_until
               FROM today LEFT JOIN daily_send_ledger l ON l.day = today.day"#
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_two_decimals_and_survive_empty_sets() {
        assert_eq!(percent(0, 0), 0.0);
        assert_eq!(percent(1, 3), 33.33);
        assert_eq!(percent(2, 3), 66.67);
        assert_eq!(percent(5, 5), 100.0);
    }

    #[test]
    fn message_stats_partition_by_status() {
        let stats = MessageStats::from_counts(2, 3, 5, 10, 7);
        assert_eq!(stats.total, 27);
        assert_eq!(stats.success_rate, 50.0);
        assert_eq!(stats.delivery_rate, 80.0);
        assert_eq!(stats.read_rate, 50.0);
    }

    /// Monitoring lists the failures of one kind and counts each kind.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn send_errors_are_listed_and_counted_by_kind(pool: sqlx::PgPool) {
        use crate::test_rows::{prepared_message, running_campaign};
        let store = Store::from_pool(pool);
        let (campaign_id, contacts) = running_campaign(&store, 3).await;
        let kinds = [
            FailureKind::Limited,
            FailureKind::Auth,
            FailureKind::Limited,
        ];
        for (&contact_id, kind) in contacts.iter().zip(kinds) {
            let message =
                prepared_message(&store, campaign_id, contact_id, MessageType::Message1).await;
            store.fail_message(message, kind, "refused").await.unwrap();
        }
        let all = PageRequest { page: 1, size: 10 };
        let limited = store
            .recent_send_errors(Some(FailureKind::Limited), all)
            .await
            .unwrap();
        assert_eq!(limited.total, 2);
        assert!(
            limited
                .items
                .iter()
                .all(|error| error.failure_kind == FailureKind::Limited)
        );
        assert_eq!(store.recent_send_errors(None, all).await.unwrap().total, 3);
        assert_eq!(
            store.send_errors_by_kind().await.unwrap(),
            [(FailureKind::Limited, 2), (FailureKind::Auth, 1)]
        );
    }
}
