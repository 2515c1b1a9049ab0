//! Postgres store: the one place that reads and writes campaign data.
//!
//! Activities and HTTP handlers are thin over these functions. Every multi-row change is a
//! single statement or a transaction, and each rule that protects customers is written in SQL too:
//! the unique (campaign, contact, type) key makes a second Message 2 impossible, conditional
//! updates make message status forward-only and final journey states final, and the daily ledger
//! is consumed with one atomic conditional upsert.
//!
//! One module per subject; the static queries are checked at compile time against the schema
//! (offline, from `.sqlx/` at the workspace root: `scripts/sqlx-prepare.sh` refreshes it).

pub mod audit;
pub mod breaker;
pub mod campaigns;
pub mod consent;
pub mod contacts;
pub mod counters;
pub mod interactions;
pub mod journeys;
pub mod ledger;
mod message_content;
pub mod messages;
pub mod pacing;
pub mod page;
pub mod progress;
pub mod provider_state;
pub mod reporting;
#[cfg(test)]
mod rule_agreement;
pub mod schedule;
pub mod sending;
pub mod sessions;
pub mod sign_in;
pub mod templates;
#[cfg(test)]
mod test_rows;
pub mod users;
#[cfg(test)]
mod vocabularies;
pub mod window_fallback;

pub use audit::{Actor, AuditAction, AuditEntry, AuditTarget, Origin};
pub use breaker::SendResult;
pub use campaigns::{LaunchOutcome, LaunchRules, PendingStart, RelaunchOutcome, RetryOutcome};
pub use consent::{ConfirmationStep, RecordedConsent};
pub use interactions::{NewInteraction, SentMessageRef};
pub use pacing::SlotReservation;
pub use page::{Page, PageRequest};
pub use provider_state::{ProviderDown, ResumeOutcome};
pub use schedule::{PendingSchedule, ScheduleOutcome, ScheduledLaunch, UnscheduleOutcome};
pub use sending::{AcceptedSend, AttemptCount, PreparedSend, SendPreparation};
pub use sign_in::SignInAttempt;
pub use templates::{CatalogEntry, StatusChange};
pub use window_fallback::{FallbackPreparation, WindowFallback};

use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// Embedded migrations from `migrations/`, applied by every binary at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connections per process: enough for a worker's concurrent activities without starving the
/// small local Postgres that tests create one database per test on.
const DEFAULT_MAX_CONNECTIONS: u32 = 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change would break something still running; the message says what.
    #[error("{0}")]
    InUse(&'static str),
}

/// A handle on the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
}

impl Store {
    pub async fn connect(database_url: &str) -> Result<Store, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(DEFAULT_MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect(database_url)
            .await?;
        Ok(Store { pool })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query!("SELECT 1 AS alive")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Adds contacts to a category; contacts already in it are left as they are. `entry` is the
    /// operator's audit row (`None` for test fixtures, which are no API action).
    pub async fn add_to_category(
        &self,
        category_id: i64,
        contact_ids: &[i64],
        entry: Option<&AuditEntry>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO contact_categories (category_id, contact_id) SELECT $1, unnest($2::bigint[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(category_id)
        .bind(contact_ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if let Some(entry) = entry {
            let entry = entry.clone().summary(serde_json::json!({
                "contact_ids": contact_ids.len(),
                "added": added,
            }));
            audit::record(&mut *tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use campaign_domain::{CampaignState, JourneyState, MessageStatus, MessageType};
    use sqlx::PgPool;

    /// Each state enum reads and writes the names the schema's CHECK constraints list.
    #[sqlx::test(migrator = "crate::MIGRATOR")]
    async fn state_enums_are_stored_as_their_names(pool: PgPool) {
        for state in JourneyState::ALL {
            let stored: (String, JourneyState) = sqlx::query_as("SELECT $1::text, $1::text")
                .bind(state)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(stored, (state.as_str().to_owned(), state));
        }
        for status in MessageStatus::ALL {
            let stored: (String, MessageStatus) = sqlx::query_as("SELECT $1::text, $1::text")
                .bind(status)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(stored, (status.as_str().to_owned(), status));
        }
        for message_type in [MessageType::Message1, MessageType::Message2] {
            let stored: (String, MessageType) = sqlx::query_as("SELECT $1::text, $1::text")
                .bind(message_type)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(stored, (message_type.as_str().to_owned(), message_type));
        }
        for state in CampaignState::ALL {
            let stored: (String, CampaignState) = sqlx::query_as("SELECT $1::text, $1::text")
                .bind(state)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(stored, (state.as_str().to_owned(), state));
        }
    }
}
