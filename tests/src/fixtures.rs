//! Rows written straight into a test database, and rows read back for assertions.
//!
//! Tests need states the API would take many steps to reach (a campaign already running, a full
//! daily ledger) and need to read rows the engine keeps to itself; that SQL lives here, beside
//! the tests, so the store carries only what the engine uses.

use campaign_domain::{PhoneNumber, Template};
use campaign_store::Store;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Campaign settings that make a campaign finish in seconds: the given interaction window and no
/// pacing (no interval between sends, no pause between batches).
pub fn unpaced_settings(window_secs: f64) -> Value {
    json!({
        "interaction_window_secs": window_secs,
        "send_interval_secs": 0,
        "batch_pause_secs": 0,
    })
}

/// [`unpaced_settings`] with retries a fraction of a second apart and a 10 s send timeout.
pub fn quick_retry_settings(window_secs: f64) -> Value {
    let mut settings = unpaced_settings(window_secs);
    settings["retry_base_delay_secs"] = json!(0.2);
    settings["send_timeout_secs"] = json!(10);
    settings
}

/// [`quick_retry_settings`] with `max_in_flight` journeys sending at once and a half-second pause
/// after a rate limit.
pub fn fast_settings(window_secs: f64, max_in_flight: u32) -> Value {
    let mut settings = quick_retry_settings(window_secs);
    settings["max_in_flight"] = json!(max_in_flight);
    settings["rate_limit_delay_secs"] = json!(0.5);
    settings
}

/// One row of `messages`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub message_type: String,
    pub content: String,
    pub status: String,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// One row of `journeys`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JourneyRow {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub state: String,
    pub failure_reason: Option<String>,
    pub message_1_sent_at: Option<DateTime<Utc>>,
    pub first_interaction_at: Option<DateTime<Utc>>,
}

pub async fn create_contact(
    store: &Store,
    phone: &PhoneNumber,
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO contacts (phone, first_name, last_name) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(phone.as_str())
    .bind(first_name)
    .bind(last_name)
    .fetch_one(store.pool())
    .await
}

pub async fn create_category(store: &Store, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("INSERT INTO categories (name) VALUES ($1) RETURNING id")
        .bind(name)
        .fetch_one(store.pool())
        .await
}

/// A draft campaign aimed at `category_ids`, with optional settings overrides.
pub async fn create_draft_campaign(
    store: &Store,
    name: &str,
    message_1: &Template,
    message_2: &Template,
    category_ids: &[i64],
    settings: &serde_json::Value,
) -> sqlx::Result<i64> {
    let mut tx = store.pool().begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (name, message_1, message_2, settings) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(name)
    .bind(message_1.as_str())
    .bind(message_2.as_str())
    .bind(settings)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO campaign_categories (campaign_id, category_id) \
         SELECT $1, unnest($2::bigint[])",
    )
    .bind(id)
    .bind(category_ids)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A campaign directly in `running` state with its settings snapshot (R16), skipping the launch,
/// so a test can start journeys of its own.
pub async fn create_running_campaign(
    store: &Store,
    name: &str,
    message_1: &Template,
    message_2: &Template,
    settings: &serde_json::Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO campaigns (name, message_1, message_2, settings, status, started_at) \
         VALUES ($1, $2, $3, $4, 'running', now()) RETURNING id",
    )
    .bind(name)
    .bind(message_1.as_str())
    .bind(message_2.as_str())
    .bind(settings)
    .fetch_one(store.pool())
    .await
}

/// Adds contacts to a campaign's audience as `queued` journeys, keeping `total_contacts` in
/// step; already enrolled contacts are left as they are. Returns how many were added.
pub async fn enroll_contacts(
    store: &Store,
    campaign_id: i64,
    contact_ids: &[i64],
) -> sqlx::Result<u64> {
    let mut tx = store.pool().begin().await?;
    let added = sqlx::query(
        "INSERT INTO journeys (campaign_id, contact_id) SELECT $1, unnest($2::bigint[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .bind(contact_ids)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE campaigns SET total_contacts = total_contacts + $2, updated_at = now() \
         WHERE id = $1",
    )
    .bind(campaign_id)
    .bind(added as i32)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Today's (UTC) provider sends, from the daily ledger.
pub async fn sent_today(store: &Store) -> sqlx::Result<i32> {
    sqlx::query_scalar(
        "SELECT coalesce((SELECT sent FROM daily_send_ledger \
         WHERE day = (now() AT TIME ZONE 'UTC')::date), 0)",
    )
    .fetch_one(store.pool())
    .await
}

/// Sets today's ledger to `sent`, e.g. to fill the day.
pub async fn set_sent_today(store: &Store, sent: i32) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO daily_send_ledger (day, sent) VALUES ((now() AT TIME ZONE 'UTC')::date, $1) \
         ON CONFLICT (day) DO UPDATE SET sent = EXCLUDED.sent, updated_at = now()",
    )
    .bind(sent)
    .execute(store.pool())
    .await?;
    Ok(())
}

pub async fn journey(
    store: &Store,
    campaign_id: i64,
    contact_id: i64,
) -> sqlx::Result<Option<JourneyRow>> {
    sqlx::query_as(
        "SELECT campaign_id, contact_id, state, failure_reason, message_1_sent_at, \
         first_interaction_at FROM journeys WHERE campaign_id = $1 AND contact_id = $2",
    )
    .bind(campaign_id)
    .bind(contact_id)
    .fetch_optional(store.pool())
    .await
}

/// A contact's messages of a campaign, Message 1 first.
pub async fn messages_for(
    store: &Store,
    campaign_id: i64,
    contact_id: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as(
        "SELECT id, campaign_id, contact_id, message_type, content, status, provider_message_id, \
         attempts, error, sent_at FROM messages WHERE campaign_id = $1 AND contact_id = $2 \
         ORDER BY message_type",
    )
    .bind(campaign_id)
    .bind(contact_id)
    .fetch_all(store.pool())
    .await
}
