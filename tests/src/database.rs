//! The tests' databases: a fresh one per test on the server `make test` points at, and the
//! campaign counters read beside a recount from the rows they summarise.

use anyhow::Context;
use campaign_store::Store;
use rand::Rng;
use sqlx::Connection;

/// The database server the tests create their databases on (`make test` sets it).
pub fn server_database_url() -> anyhow::Result<String> {
    std::env::var("DATABASE_URL").context("DATABASE_URL is not set: run the tests with `make test`")
}

/// Creates an empty database with the schema applied and returns its URL. Identity sequences
/// start at a random offset so workflow ids never collide with another test's.
///
/// A test database is thrown away after its test, so it does without synchronous commit (a
/// setting of that database only: the cluster and `make run`'s database stay fully durable). A
/// crash of Postgres could lose its last fraction of a second of commits, never corrupt it; the
/// chaos suite, which does crash Postgres, runs a durable cluster of its own.
pub async fn fresh_database() -> anyhow::Result<String> {
    let server_url = server_database_url()?;
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&server_url).await?;
    sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
        .execute(&mut admin)
        .await?;
    sqlx::query(&format!(
        r#"ALTER DATABASE "{name}" SET synchronous_commit = off"#
    ))
    .execute(&mut admin)
    .await?;
    let mut url = url::Url::parse(&server_url)?;
    url.set_path(&name);
    let database_url = url.to_string();
    let store = Store::connect(&database_url).await?;
    store.migrate().await?;
    let offset: i64 = rand::rng().random_range(1..1_000_000_000) * 1_000;
    for table in ["campaigns", "contacts"] {
        sqlx::query(&format!(
            "ALTER TABLE {table} ALTER COLUMN id RESTART WITH {offset}"
        ))
        .execute(store.pool())
        .await?;
    }
    store.pool().close().await;
    Ok(database_url)
}

/// The counters of a campaign, in the order [`campaign_counters`] gives them.
pub const COUNTER_NAMES: [&str; 11] = [
    "total_contacts",
    "messages_sent",
    "message_2_sent",
    "no_interaction",
    "late_interaction",
    "failed",
    "cancelled",
    "interactions",
    "messages_failed",
    "opted_out",
    "limited",
];

/// Each counter of the campaign beside a recount from its journey, message and interaction
/// rows, as `(name, stored, recount)`: the statistics are kept incrementally, and must never
/// drift from the rows they count.
pub async fn campaign_counters(
    pool: &sqlx::PgPool,
    campaign_id: i64,
) -> sqlx::Result<Vec<(&'static str, i64, i64)>> {
    let stored: (i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32) = sqlx::query_as(
        "SELECT c.total_contacts, t.messages_sent, t.message_2_sent, t.no_interaction, \
         t.late_interaction, t.failed, t.cancelled, t.interactions, t.messages_failed, t.opted_out, \
         t.limited FROM campaigns c JOIN campaign_counter_totals t ON t.campaign_id = c.id WHERE c.id = $1",
    )
    .bind(campaign_id)
    .fetch_one(pool)
    .await?;
    let recount: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM journeys WHERE campaign_id = $1), \
         (SELECT count(*) FROM messages WHERE campaign_id = $1 AND sent_at IS NOT NULL), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'message_2_sent'), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'no_interaction'), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'late_interaction'), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'failed'), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'cancelled'), \
         (SELECT count(*) FROM interactions WHERE campaign_id = $1), \
         (SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'failed'), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'opted_out'), \
         (SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'limited')",
    )
    .bind(campaign_id)
    .fetch_one(pool)
    .await?;
    let stored = [
        stored.0, stored.1, stored.2, stored.3, stored.4, stored.5, stored.6, stored.7, stored.8,
        stored.9, stored.10,
    ]
    .map(i64::from);
    let recount = [
        recount.0, recount.1, recount.2, recount.3, recount.4, recount.5, recount.6, recount.7,
        recount.8, recount.9, recount.10,
    ];
    Ok(COUNTER_NAMES
        .into_iter()
        .zip(stored.into_iter().zip(recount))
        .map(|(name, (stored, recount))| (name, stored, recount))
        .collect())
}
