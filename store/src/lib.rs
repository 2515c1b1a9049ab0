//! Postgres store: the one place that reads and writes campaign data.
//!
//! Activities and HTTP handlers are thin over these functions. Every multi-row change is a
//! single statement or a transaction, and each rule that protects customers is written in SQL too:
//! the unique (campaign, contact, type) key makes a second Message 2 impossible, conditional
//! updates make message status forward-only and final journey states final, and the daily ledger
//! is consumed with one atomic conditional upsert.

pub mod campaigns_api;
pub mod contacts;
pub mod reporting;
pub mod users;
pub mod webhooks;

use campaign_domain::sending::{CUTOFF_REASON, DAILY_LIMIT_REASON};
use campaign_domain::{
    BreakerPolicy, CampaignSettings, CampaignWorkflowId, Closing, JourneyState, MessageType,
    Pacing, SettingsOverrides,
};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};
use std::time::Duration;

/// Embedded migrations from `migrations/`, applied by every binary at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Connections per process: enough for a worker's concurrent activities without starving the
/// small local Postgres that tests create one database per test on.
const DEFAULT_MAX_CONNECTIONS: u32 = 20;

/// A campaign's counters as stored in `final_stats` when it ends.
const FINAL_STATS: &str = "jsonb_build_object(\
    'total_contacts', total_contacts, 'messages_sent', messages_sent, \
    'messages_delivered', messages_delivered, 'messages_read', messages_read, \
    'messages_failed', messages_failed, 'interactions', interactions, \
    'message_2_sent', message_2_sent, 'no_interaction', no_interaction, \
    'late_interaction', late_interaction, 'failed', failed, 'cancelled', cancelled)";

/// Advisory lock arguments (`$1` = campaign id) a launch or retry holds until it commits or rolls
/// back; the two-key form keeps it apart from single-key locks.
const LAUNCH_LOCK: &str = "hashtext('campaign_launch'), ($1 % 2147483648)::int";

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

/// What a send attempt should do, decided atomically before talking to the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendPreparation {
    /// Send this text, once [`Store::count_attempt`] allows the call.
    Send(PreparedSend),
    /// The database already shows the message accepted: an earlier attempt got through.
    AlreadySent(AcceptedSend),
    /// The message already failed for good.
    AlreadyFailed { reason: String },
    /// The journey was closed (stop, cutoff) before this message left: nothing is sent.
    JourneyClosed,
}

/// What [`Store::count_attempt`]'s statement found and did; the last three are set only when it
/// counted the call.
#[derive(sqlx::FromRow)]
struct AttemptRow {
    journey_open: bool,
    earlier_call_ends_by: Option<DateTime<Utc>>,
    attempts: Option<i32>,
    message_type: Option<String>,
    ledger_consumed: Option<bool>,
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
    /// An earlier attempt's call may still be in flight until `until`: no call before then.
    EarlierCallInFlight { until: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSend {
    pub message_id: i64,
    pub phone: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedSend {
    pub message_id: i64,
    pub provider_message_id: String,
    pub sent_at: DateTime<Utc>,
}

/// A launch or retry decided in the database but not yet visible. Its transaction holds the
/// campaign row's lock and commits only once the campaign workflow has started, so a Temporal
/// outage leaves the campaign exactly as it was (dropping this rolls back).
pub struct PendingStart {
    tx: Transaction<'static, Postgres>,
    pub campaign_id: i64,
    /// Journeys the run starts: the audience at launch, the failed ones on retry.
    pub journeys: i64,
    pub settings: CampaignSettings,
    pub started_at: DateTime<Utc>,
}

impl PendingStart {
    /// Makes the launch or retry visible, once its workflow is running.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::fmt::Debug for PendingStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingStart")
            .field("campaign_id", &self.campaign_id)
            .field("journeys", &self.journeys)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

/// What [`Store::launch_campaign`] did.
#[derive(Debug)]
pub enum LaunchOutcome {
    Launched(Box<PendingStart>),
    NotFound,
    NotDraft { status: String },
    InvalidSettings { reason: String },
    NoContacts,
    QuotaExceeded { remaining: i64, needed: i64 },
}

/// What [`Store::requeue_failed`] did.
#[derive(Debug)]
pub enum RetryOutcome {
    Requeued(Box<PendingStart>),
    NotFound,
    NotFinished { status: String },
    NothingToRetry,
}

/// What [`Store::relaunch_campaign`] did.
#[derive(Debug)]
pub enum RelaunchOutcome {
    /// The copy `campaign_id` and its launch (which commits or rolls back the copy with it).
    Copied {
        campaign_id: i64,
        launch: LaunchOutcome,
    },
    NotFound,
    NotFinished {
        status: String,
    },
    /// The campaign was relaunched before, as `campaign_id`: relaunch that one to run again.
    AlreadyRelaunched {
        campaign_id: i64,
    },
}

/// What [`Store::reserve_send_slot`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotReservation {
    /// Send at this time, not before.
    Granted { at: DateTime<Utc> },
    /// No slot soon enough: ask again at `until`.
    Wait { until: DateTime<Utc> },
}

/// One provider answer, as the circuit breaker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Accepted,
    Error { ban_risk: bool, reason: String },
}

/// A contact interaction to record (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub phone: String,
    pub interaction_type: String,
    pub provider_message_id: String,
    pub content: Option<String>,
    pub received_at: DateTime<Utc>,
    pub within_window: bool,
}

/// One row of `messages`, as tests and the API read it.
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

/// A journey's row, as tests and the API read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JourneyRow {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub state: String,
    pub failure_reason: Option<String>,
    pub message_1_sent_at: Option<DateTime<Utc>>,
    pub first_interaction_at: Option<DateTime<Utc>>,
}

/// The counter column of `campaigns` that counts journeys ending in `state`, if any.
fn outcome_counter(state: JourneyState) -> Option<&'static str> {
    match state {
        JourneyState::Message2Sent => Some("message_2_sent"),
        JourneyState::NoInteraction => Some("no_interaction"),
        JourneyState::LateInteraction => Some("late_interaction"),
        JourneyState::Failed => Some("failed"),
        JourneyState::Cancelled => Some("cancelled"),
        _ => None,
    }
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
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub async fn create_contact(
        &self,
        phone: &campaign_domain::PhoneNumber,
        first_name: Option<&str>,
        last_name: Option<&str>,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO contacts (phone, first_name, last_name) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(phone.as_str())
        .bind(first_name)
        .bind(last_name)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn create_category(&self, name: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("INSERT INTO categories (name) VALUES ($1) RETURNING id")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Adds contacts to a category; contacts already in it are left as they are.
    pub async fn add_to_category(
        &self,
        category_id: i64,
        contact_ids: &[i64],
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "INSERT INTO contact_categories (category_id, contact_id) SELECT $1, unnest($2::bigint[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(category_id)
        .bind(contact_ids)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Creates a draft campaign aimed at `category_ids`, with optional settings overrides.
    pub async fn create_draft_campaign(
        &self,
        name: &str,
        message_1: &campaign_domain::Template,
        message_2: &campaign_domain::Template,
        category_ids: &[i64],
        settings: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, message_1, message_2, settings) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(message_1.as_str())
        .bind(message_2.as_str())
        .bind(settings)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO campaign_categories (campaign_id, category_id) SELECT $1, unnest($2::bigint[])")
            .bind(id)
            .bind(category_ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates a campaign directly in `running` state with its settings snapshot (R16).
    pub async fn create_running_campaign(
        &self,
        name: &str,
        message_1: &campaign_domain::Template,
        message_2: &campaign_domain::Template,
        settings: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        let id = sqlx::query_scalar(
            "INSERT INTO campaigns (name, message_1, message_2, settings, status, started_at) \
             VALUES ($1, $2, $3, $4, 'running', now()) RETURNING id",
        )
        .bind(name)
        .bind(message_1.as_str())
        .bind(message_2.as_str())
        .bind(settings)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Adds contacts to a campaign's audience as `queued` journeys; already enrolled contacts are
    /// left as they are. Returns how many were added.
    pub async fn enroll_contacts(
        &self,
        campaign_id: i64,
        contact_ids: &[i64],
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO journeys (campaign_id, contact_id) SELECT $1, unnest($2::bigint[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(campaign_id)
        .bind(contact_ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE campaigns SET total_contacts = total_contacts + $2, updated_at = now() WHERE id = $1")
            .bind(campaign_id)
            .bind(added as i32)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(added)
    }

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
        let target = sqlx::query(
            "SELECT c.message_1, c.message_2, k.phone, k.first_name, k.last_name \
             FROM campaigns c, contacts k WHERE c.id = $1 AND k.id = $2",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("campaign or contact"))?;
        let text: String = target.get(match message_type {
            MessageType::Message1 => "message_1",
            MessageType::Message2 => "message_2",
        });
        let phone: String = target.get("phone");
        let first_name: Option<String> = target.get("first_name");
        let last_name: Option<String> = target.get("last_name");
        let content = campaign_domain::Template::parse(&text)
            .map(|template| {
                template.render(&campaign_domain::template::Recipient {
                    first_name: first_name.as_deref(),
                    last_name: last_name.as_deref(),
                    phone: &phone,
                })
            })
            .unwrap_or(text);

        sqlx::query(
            "INSERT INTO messages (campaign_id, contact_id, message_type, content) VALUES ($1, $2, $3, $4) \
             ON CONFLICT ON CONSTRAINT messages_campaign_contact_type_key DO NOTHING",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .bind(message_type.as_str())
        .bind(&content)
        .execute(&mut *tx)
        .await?;
        let message = sqlx::query(
            "SELECT id, status, provider_message_id, sent_at, error \
             FROM messages WHERE campaign_id = $1 AND contact_id = $2 AND message_type = $3 FOR UPDATE",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .bind(message_type.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let message_id: i64 = message.get("id");
        let status: String = message.get("status");
        match status.as_str() {
            "sent" | "delivered" | "read" => {
                return Ok(SendPreparation::AlreadySent(AcceptedSend {
                    message_id,
                    provider_message_id: message
                        .get::<Option<String>, _>("provider_message_id")
                        .unwrap_or_default(),
                    sent_at: message
                        .get::<Option<DateTime<Utc>>, _>("sent_at")
                        .unwrap_or_else(Utc::now),
                }));
            }
            "failed" => {
                return Ok(SendPreparation::AlreadyFailed {
                    reason: message
                        .get::<Option<String>, _>("error")
                        .unwrap_or_default(),
                });
            }
            _ => {}
        }
        let journey_closed: Option<bool> = sqlx::query_scalar(
            "SELECT journey_state_is_final(state) FROM journeys \
             WHERE campaign_id = $1 AND contact_id = $2 FOR SHARE",
        )
        .bind(campaign_id)
        .bind(contact_id)
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
        sqlx::query(
            "INSERT INTO journeys (campaign_id, contact_id, state) VALUES ($1, $2, $3) \
             ON CONFLICT (campaign_id, contact_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now() \
             WHERE NOT journey_state_is_final(journeys.state)",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .bind(sending_state.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SendPreparation::Send(PreparedSend {
            message_id,
            phone,
            content,
        }))
    }

    /// Records the provider's acceptance and moves the journey on: Message 1 opens the window,
    /// Message 2 ends the journey. `sent_at` is `accepted_at`, the provider's own acceptance time
    /// (R2), on every path: a send answered now or one found by a retry's lookup minutes later.
    /// Without it (a provider answer that did not say), the first call's start stands in: the
    /// acceptance came after it, and the window must not start late. Idempotent: a message
    /// already accepted keeps its first `sent_at`.
    pub async fn mark_sent(
        &self,
        message_id: i64,
        provider_message_id: &str,
        accepted_at: Option<DateTime<Utc>>,
    ) -> Result<AcceptedSend, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE messages SET status = 'sent', provider_message_id = $2, \
               sent_at = coalesce($3, first_call_at, now()), error = NULL, call_ends_by = NULL \
             WHERE id = $1 AND message_status_can_advance(status, 'sent') \
             RETURNING campaign_id, contact_id, message_type, sent_at",
        )
        .bind(message_id)
        .bind(provider_message_id)
        .bind(accepted_at)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = updated else {
            tx.rollback().await?;
            let row =
                sqlx::query("SELECT provider_message_id, sent_at FROM messages WHERE id = $1")
                    .bind(message_id)
                    .fetch_one(&self.pool)
                    .await?;
            return Ok(AcceptedSend {
                message_id,
                provider_message_id: row
                    .get::<Option<String>, _>("provider_message_id")
                    .unwrap_or_default(),
                sent_at: row
                    .get::<Option<DateTime<Utc>>, _>("sent_at")
                    .unwrap_or_else(Utc::now),
            });
        };
        let campaign_id: i64 = row.get("campaign_id");
        let contact_id: i64 = row.get("contact_id");
        let sent_at: DateTime<Utc> = row.get("sent_at");
        let is_message_2 = row.get::<String, _>("message_type") == MessageType::Message2.as_str();
        if is_message_2 {
            self.finish_journey_in(
                &mut tx,
                campaign_id,
                contact_id,
                JourneyState::Message2Sent,
                None,
            )
            .await?;
        } else {
            sqlx::query(
                "UPDATE journeys SET state = 'awaiting_interaction', message_1_sent_at = $3, updated_at = now() \
                 WHERE campaign_id = $1 AND contact_id = $2 AND NOT journey_state_is_final(state)",
            )
            .bind(campaign_id)
            .bind(contact_id)
            .bind(sent_at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE campaigns SET messages_sent = messages_sent + 1, updated_at = now() WHERE id = $1")
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AcceptedSend {
            message_id,
            provider_message_id: provider_message_id.to_owned(),
            sent_at,
        })
    }

    /// Counts a provider call about to be made for a message, in one transaction right before
    /// the call. Counted before the call, so a retry after a crash knows a call may have gone
    /// out; the first call's start is kept (from then on the contact may have the message), and
    /// `call_ends_by` (now + `call_bound`) says until when this call may still be in flight. A
    /// call an earlier attempt may still have in flight (its worker vanished, or its heartbeats
    /// were lost) means no call now: the caller waits until it has certainly ended, then asks the
    /// provider whether it got through. The journey must still be open (a stop or cutoff while the
    /// send waited for its pacing slot means no call), and the message's first call consumes the
    /// day's ledger unit (R10), once per message: the unit is charged to the day the message
    /// leaves, never to a send that does not happen.
    pub async fn count_attempt(
        &self,
        message_id: i64,
        daily_limit: i32,
        call_bound: Duration,
    ) -> Result<AttemptCount, StoreError> {
        let mut tx = self.pool.begin().await?;
        // One round trip: this runs between the pacing slot and the provider call.
        let AttemptRow {
            journey_open,
            earlier_call_ends_by,
            attempts,
            message_type,
            ledger_consumed,
        } = sqlx::query_as(
            "WITH m AS (SELECT m.id, NOT EXISTS (SELECT 1 FROM journeys j \
                 WHERE j.campaign_id = m.campaign_id AND j.contact_id = m.contact_id \
                 AND journey_state_is_final(j.state)) AS journey_open, \
               CASE WHEN m.call_ends_by > now() THEN m.call_ends_by END AS earlier_call_ends_by \
               FROM messages m WHERE m.id = $1 FOR UPDATE), \
             counted AS (UPDATE messages SET attempts = attempts + 1, \
                 first_call_at = coalesce(first_call_at, now()), \
                 call_ends_by = now() + make_interval(secs => $2) \
               FROM m WHERE messages.id = m.id AND m.journey_open AND m.earlier_call_ends_by IS NULL \
               RETURNING messages.attempts, messages.message_type, messages.ledger_day IS NOT NULL AS ledger_consumed) \
             SELECT m.journey_open, m.earlier_call_ends_by, c.attempts, c.message_type, c.ledger_consumed \
             FROM m LEFT JOIN counted c ON true",
        )
        .bind(message_id)
        .bind(call_bound.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("message"))?;
        if !journey_open {
            return Ok(AttemptCount::JourneyClosed);
        }
        if let Some(until) = earlier_call_ends_by {
            return Ok(AttemptCount::EarlierCallInFlight { until });
        }
        let (Some(attempts), Some(message_type), Some(ledger_consumed)) =
            (attempts, message_type, ledger_consumed)
        else {
            return Err(StoreError::NotFound("message"));
        };
        if !ledger_consumed {
            let column = match message_type.as_str() {
                "message_2" => "message_2",
                _ => "message_1",
            };
            let consumed = sqlx::query(&format!(
                "INSERT INTO daily_send_ledger AS l (day, sent, {column}) \
                 VALUES ((now() AT TIME ZONE 'UTC')::date, 1, 1) \
                 ON CONFLICT (day) DO UPDATE SET sent = l.sent + 1, {column} = l.{column} + 1, updated_at = now() \
                 WHERE l.sent < $1 RETURNING day",
            ))
            .bind(daily_limit)
            .fetch_optional(&mut *tx)
            .await?;
            if daily_limit <= 0 || consumed.is_none() {
                tx.rollback().await?;
                self.fail_message(message_id, DAILY_LIMIT_REASON).await?;
                return Ok(AttemptCount::DailyLimitReached);
            }
            sqlx::query(
                "UPDATE messages SET ledger_day = (now() AT TIME ZONE 'UTC')::date WHERE id = $1",
            )
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(AttemptCount::Counted(attempts))
    }

    /// Takes back the attempt counted for a call the provider refused as rate-limited: waiting
    /// for the provider is not the message's fault (R13: paused sends are not failed).
    pub async fn uncount_attempt(&self, message_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE messages SET attempts = greatest(attempts - 1, 0), call_ends_by = NULL WHERE id = $1",
        )
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Reserves the next Message 1 send slot (R11): at least `pacing.interval` after the previous
    /// slot of any campaign on any worker (one shared clock row), and after a `batch_pause` once
    /// the campaign has used `batch_size` slots. A slot further than `horizon` away is not
    /// reserved: the caller waits and asks again, so no send holds a slot it cannot use soon.
    pub async fn reserve_send_slot(
        &self,
        campaign_id: i64,
        pacing: &Pacing,
        horizon: Duration,
    ) -> Result<SlotReservation, StoreError> {
        let mut tx = self.pool.begin().await?;
        let (global_next, now): (DateTime<Utc>, DateTime<Utc>) =
            sqlx::query_as("SELECT next_send_at, now() FROM send_clock FOR UPDATE")
                .fetch_one(&mut *tx)
                .await?;
        let (campaign_next, paced_sends): (Option<DateTime<Utc>>, i32) = sqlx::query_as(
            "SELECT pacing_next_at, paced_sends FROM campaigns WHERE id = $1 FOR UPDATE",
        )
        .bind(campaign_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("campaign"))?;
        let slot = global_next.max(campaign_next.unwrap_or(now)).max(now);
        if slot - now > chrono::Duration::from_std(horizon).unwrap_or(chrono::Duration::MAX) {
            tx.rollback().await?;
            return Ok(SlotReservation::Wait { until: slot });
        }
        let interval = chrono::Duration::milliseconds(pacing.interval_ms as i64);
        let paced_sends = paced_sends + 1;
        let batch_done = pacing.batch_size > 0 && paced_sends % pacing.batch_size as i32 == 0;
        let campaign_next = if batch_done {
            slot + interval + chrono::Duration::milliseconds(pacing.batch_pause_ms as i64)
        } else {
            slot + interval
        };
        sqlx::query("UPDATE send_clock SET next_send_at = $1")
            .bind(slot + interval)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE campaigns SET pacing_next_at = $2, paced_sends = $3 WHERE id = $1")
            .bind(campaign_id)
            .bind(campaign_next)
            .bind(paced_sends)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(SlotReservation::Granted { at: slot })
    }

    /// When sending is paused by the circuit breaker (R13), until when.
    pub async fn sending_paused_until(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT paused_until FROM sending_circuit WHERE paused_until > now()",
        )
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    /// Feeds one provider answer to the shared circuit breaker (R13). A success resets the run of
    /// consecutive errors; a ban-risk error, `consecutive_limit` errors in a row or
    /// `window_limit` errors within `window` pause every send for `pause`. Returns the pause end
    /// when this answer started (or extended) a pause.
    pub async fn record_send_result(
        &self,
        result: SendResult,
        breaker: &BreakerPolicy,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let SendResult::Error { ban_risk, reason } = result else {
            sqlx::query("UPDATE sending_circuit SET consecutive_errors = 0, updated_at = now() WHERE consecutive_errors > 0")
                .execute(&self.pool)
                .await?;
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let (consecutive, recent): (i32, i32) = sqlx::query_as(
            "UPDATE sending_circuit SET consecutive_errors = consecutive_errors + 1, updated_at = now(), \
               recent_errors = array_append(ARRAY(SELECT e FROM unnest(recent_errors) e \
                 WHERE e > now() - make_interval(secs => $1)), now()) \
             RETURNING consecutive_errors, cardinality(recent_errors)",
        )
        .bind(breaker.window.as_secs_f64())
        .fetch_one(&mut *tx)
        .await?;
        let trips =
            ban_risk || consecutive >= breaker.consecutive_limit || recent >= breaker.window_limit;
        let paused = if trips {
            Some(
                sqlx::query_scalar(
                    "UPDATE sending_circuit SET paused_until = greatest(paused_until, now() + make_interval(secs => $1)), \
                     pause_reason = $2, consecutive_errors = 0, recent_errors = '{}' RETURNING paused_until",
                )
                .bind(breaker.pause.as_secs_f64())
                .bind(&reason)
                .fetch_one(&mut *tx)
                .await?,
            )
        } else {
            None
        };
        tx.commit().await?;
        if let Some(until) = paused {
            tracing::warn!(%until, %reason, ban_risk, "sending paused by the circuit breaker");
        }
        Ok(paused)
    }

    /// Notes a failed attempt that will be retried: the error is kept for operators and counted
    /// in today's ledger errors, and the call is known to have ended.
    pub async fn note_send_error(&self, message_id: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(
            "WITH m AS (UPDATE messages SET error = $2, call_ends_by = NULL \
               WHERE id = $1 AND status = 'pending' RETURNING id) \
             INSERT INTO daily_send_ledger AS l (day, errors) VALUES ((now() AT TIME ZONE 'UTC')::date, 1) \
             ON CONFLICT (day) DO UPDATE SET errors = l.errors + 1, updated_at = now()",
        )
        .bind(message_id)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Fails a message for good with `reason`; the journey is failed with the same reason.
    pub async fn fail_message(&self, message_id: i64, reason: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let failed = sqlx::query(
            "UPDATE messages SET status = 'failed', error = $2, failed_at = now() \
             WHERE id = $1 AND message_status_can_advance(status, 'failed') RETURNING campaign_id, contact_id",
        )
        .bind(message_id)
        .bind(reason)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = failed {
            let campaign_id: i64 = row.get("campaign_id");
            sqlx::query("UPDATE campaigns SET messages_failed = messages_failed + 1, updated_at = now() WHERE id = $1")
                .bind(campaign_id)
                .execute(&mut *tx)
                .await?;
            self.finish_journey_in(
                &mut tx,
                campaign_id,
                row.get("contact_id"),
                JourneyState::Failed,
                Some(reason),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records interactions, deduplicated by provider message id (R6). Returns the provider ids
    /// that were new.
    pub async fn record_interactions(
        &self,
        interactions: &[NewInteraction],
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = Self::record_interactions_in(&mut tx, interactions).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    async fn record_interactions_in(
        tx: &mut Transaction<'static, Postgres>,
        interactions: &[NewInteraction],
    ) -> Result<Vec<String>, StoreError> {
        let mut inserted = Vec::new();
        for interaction in interactions {
            // A campaign or contact deleted since the lookup is recorded as unknown rather
            // than refused: the interaction itself must not be lost.
            let new = sqlx::query_scalar::<_, String>(
                "INSERT INTO interactions (campaign_id, contact_id, phone, interaction_type, provider_message_id, \
                 content, received_at, within_window) \
                 VALUES ((SELECT id FROM campaigns WHERE id = $1), (SELECT id FROM contacts WHERE id = $2), \
                 $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT ON CONSTRAINT interactions_provider_message_id_key DO NOTHING \
                 RETURNING provider_message_id",
            )
            .bind(interaction.campaign_id)
            .bind(interaction.contact_id)
            .bind(&interaction.phone)
            .bind(&interaction.interaction_type)
            .bind(&interaction.provider_message_id)
            .bind(&interaction.content)
            .bind(interaction.received_at)
            .bind(interaction.within_window)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(provider_message_id) = new else {
                continue;
            };
            if let (Some(campaign_id), Some(contact_id)) =
                (interaction.campaign_id, interaction.contact_id)
            {
                sqlx::query("UPDATE campaigns SET interactions = interactions + 1, updated_at = now() WHERE id = $1")
                    .bind(campaign_id)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "UPDATE journeys SET first_interaction_at = LEAST(coalesce(first_interaction_at, $3), $3), \
                     updated_at = now() WHERE campaign_id = $1 AND contact_id = $2",
                )
                .bind(campaign_id)
                .bind(contact_id)
                .bind(interaction.received_at)
                .execute(&mut **tx)
                .await?;
            }
            inserted.push(provider_message_id);
        }
        Ok(inserted)
    }

    /// Records, in one transaction, an interaction that reached its journey after the journey's
    /// workflow had decided (a late reply, or a second one after Message 2). `within_window` is
    /// worked out here, whatever the caller passed: true only for a journey that answered within
    /// its window (Message 2) and an interaction stamped inside that window. A journey that
    /// decided there was no answer keeps that decision, so a reply stamped (in whole seconds)
    /// just before the window's end but delivered after it is late, and a `no_interaction`
    /// journey becomes `late_interaction` (R4). Returns whether the interaction was new.
    pub async fn record_late_interaction(
        &self,
        interaction: &NewInteraction,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut late = NewInteraction {
            within_window: false,
            ..interaction.clone()
        };
        let mut journey_state = None;
        if let (Some(campaign_id), Some(contact_id)) = (late.campaign_id, late.contact_id) {
            let journey: Option<(String, bool)> = sqlx::query_as(
                "SELECT j.state, coalesce(j.state IN ('sending_message_2', 'message_2_sent') \
                   AND $3 < j.message_1_sent_at + \
                   make_interval(secs => (c.settings ->> 'interaction_window_ms')::float8 / 1000), false) \
                 FROM journeys j JOIN campaigns c ON c.id = j.campaign_id \
                 WHERE j.campaign_id = $1 AND j.contact_id = $2 FOR UPDATE OF j",
            )
            .bind(campaign_id)
            .bind(contact_id)
            .bind(late.received_at)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((state, within_window)) = journey {
                late.within_window = within_window;
                journey_state = Some(state);
            }
        }
        let new = !Self::record_interactions_in(&mut tx, std::slice::from_ref(&late))
            .await?
            .is_empty();
        let was_unanswered = journey_state.as_deref() == Some(JourneyState::NoInteraction.as_str());
        if let (true, Some(campaign_id), Some(contact_id)) =
            (new && was_unanswered, late.campaign_id, late.contact_id)
        {
            self.finish_journey_in(
                &mut tx,
                campaign_id,
                contact_id,
                JourneyState::LateInteraction,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Ends a journey in a final state and counts it on its campaign, once: a journey already
    /// final is left alone (except the late-reply refinement R4 allows).
    pub async fn finish_journey(
        &self,
        campaign_id: i64,
        contact_id: i64,
        state: JourneyState,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = self
            .finish_journey_in(&mut tx, campaign_id, contact_id, state, reason)
            .await?;
        tx.commit().await?;
        Ok(changed)
    }

    async fn finish_journey_in(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        campaign_id: i64,
        contact_id: i64,
        state: JourneyState,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        let Some(counter) = outcome_counter(state) else {
            return Err(StoreError::NotFound("final journey state"));
        };
        let previous: Option<String> = sqlx::query_scalar(
            "UPDATE journeys j SET state = $3, failure_reason = coalesce($4, j.failure_reason), updated_at = now() \
             FROM (SELECT state FROM journeys WHERE campaign_id = $1 AND contact_id = $2 FOR UPDATE) AS old \
             WHERE j.campaign_id = $1 AND j.contact_id = $2 \
               AND (NOT journey_state_is_final(j.state) OR (j.state = 'no_interaction' AND $3 = 'late_interaction')) \
             RETURNING old.state",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .bind(state.as_str())
        .bind(reason)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(previous) = previous else {
            return Ok(false);
        };
        let previous_counter = previous.parse().ok().and_then(outcome_counter);
        let decrement = previous_counter
            .map(|c| format!(", {c} = {c} - 1"))
            .unwrap_or_default();
        sqlx::query(&format!(
            "UPDATE campaigns SET {counter} = {counter} + 1{decrement}, updated_at = now() WHERE id = $1"
        ))
        .bind(campaign_id)
        .execute(&mut **tx)
        .await?;
        Ok(true)
    }

    pub async fn journey(
        &self,
        campaign_id: i64,
        contact_id: i64,
    ) -> Result<Option<JourneyRow>, StoreError> {
        Ok(sqlx::query_as::<_, JourneyRow>(
            "SELECT campaign_id, contact_id, state, failure_reason, message_1_sent_at, first_interaction_at \
             FROM journeys WHERE campaign_id = $1 AND contact_id = $2",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn messages_for(
        &self,
        campaign_id: i64,
        contact_id: i64,
    ) -> Result<Vec<MessageRow>, StoreError> {
        Ok(sqlx::query_as::<_, MessageRow>(
            "SELECT id, campaign_id, contact_id, message_type, content, status, provider_message_id, attempts, \
             error, sent_at FROM messages WHERE campaign_id = $1 AND contact_id = $2 ORDER BY message_type",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The next `limit` contacts of a campaign's audience still `queued`, by contact id; none
    /// when the campaign is not running. It first waits for a launch or retry of the campaign
    /// that is still deciding ([`PendingStart`]), so a workflow started just before its launch
    /// commits reads the committed audience, and one whose launch rolled back reads nothing.
    pub async fn queued_audience_page(
        &self,
        campaign_id: i64,
        after_contact_id: i64,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "SELECT pg_advisory_xact_lock_shared({LAUNCH_LOCK})"
        ))
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
        let page = sqlx::query_scalar(
            "SELECT j.contact_id FROM journeys j JOIN campaigns c ON c.id = j.campaign_id \
             WHERE j.campaign_id = $1 AND c.status = 'running' AND j.contact_id > $2 AND j.state = 'queued' \
             ORDER BY j.contact_id LIMIT $3",
        )
        .bind(campaign_id)
        .bind(after_contact_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    /// Ends a running campaign (R8): `failed` when every journey failed, else `completed`, with
    /// its final statistics and `completed_at`. Returns the campaign's status, unchanged when it
    /// had already ended.
    pub async fn complete_campaign(&self, campaign_id: i64) -> Result<String, StoreError> {
        let completed: Option<String> = sqlx::query_scalar(&format!(
            "UPDATE campaigns SET \
               status = CASE WHEN total_contacts > 0 AND failed >= total_contacts THEN 'failed' ELSE 'completed' END, \
               completed_at = now(), updated_at = now(), final_stats = {FINAL_STATS} \
             WHERE id = $1 AND status = 'running' RETURNING status"
        ))
        .bind(campaign_id)
        .fetch_optional(&self.pool)
        .await?;
        match completed {
            Some(status) => Ok(status),
            None => sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound("campaign")),
        }
    }

    /// Closes every journey of a campaign not yet final, counting each once: at the cutoff (R9)
    /// a journey that never sent Message 1 fails ("campaign cutoff") and one still waiting ends
    /// `no_interaction` (a Message 2 already on its way is left to finish); on stop every one is
    /// `cancelled`. Returns the contacts whose journey workflow may still be running.
    pub async fn close_open_journeys(
        &self,
        campaign_id: i64,
        closing: Closing,
    ) -> Result<Vec<i64>, StoreError> {
        let new_state = match closing {
            Closing::Cutoff => {
                "CASE WHEN j.state = 'awaiting_interaction' THEN 'no_interaction' ELSE 'failed' END"
            }
            Closing::Stop => "'cancelled'",
        };
        let spared = match closing {
            Closing::Cutoff => "AND j.state <> 'sending_message_2'",
            Closing::Stop => "",
        };
        let reason = match closing {
            Closing::Cutoff => Some(CUTOFF_REASON),
            Closing::Stop => None,
        };
        let mut tx = self.pool.begin().await?;
        let closed: Vec<(i64, String, String)> = sqlx::query_as(&format!(
            "UPDATE journeys j SET state = {new_state}, \
               failure_reason = CASE WHEN {new_state} = 'failed' THEN $2 ELSE j.failure_reason END, updated_at = now() \
             FROM (SELECT contact_id, state FROM journeys WHERE campaign_id = $1 \
                   AND NOT journey_state_is_final(state) FOR UPDATE) old \
             WHERE j.campaign_id = $1 AND j.contact_id = old.contact_id {spared} \
             RETURNING j.contact_id, old.state, j.state"
        ))
        .bind(campaign_id)
        .bind(reason)
        .fetch_all(&mut *tx)
        .await?;
        let count = |state: &str| closed.iter().filter(|(_, _, new)| new == state).count() as i32;
        sqlx::query(
            "UPDATE campaigns SET failed = failed + $2, no_interaction = no_interaction + $3, \
             cancelled = cancelled + $4, updated_at = now() WHERE id = $1",
        )
        .bind(campaign_id)
        .bind(count("failed"))
        .bind(count("no_interaction"))
        .bind(count("cancelled"))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(closed
            .into_iter()
            .filter(|(_, old, _)| old != "queued")
            .map(|(contact_id, _, _)| contact_id)
            .collect())
    }

    /// Marks a campaign `cancelled` with its statistics as they stand.
    pub async fn cancel_campaign(&self, campaign_id: i64) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "UPDATE campaigns SET status = 'cancelled', completed_at = now(), updated_at = now(), \
             final_stats = {FINAL_STATS} WHERE id = $1 AND status IN ('draft', 'running')"
        ))
        .bind(campaign_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Journeys of the campaign not yet in a final state.
    pub async fn open_journey_count(&self, campaign_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM journeys WHERE campaign_id = $1 AND NOT journey_state_is_final(state)",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// When the contact first interacted during this journey, if they have.
    pub async fn first_interaction_at(
        &self,
        campaign_id: i64,
        contact_id: i64,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT first_interaction_at FROM journeys WHERE campaign_id = $1 AND contact_id = $2",
        )
        .bind(campaign_id)
        .bind(contact_id)
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    /// Cancels a campaign that is still a draft; false when it is not (any more).
    pub async fn cancel_draft(&self, campaign_id: i64) -> Result<bool, StoreError> {
        let cancelled = sqlx::query(&format!(
            "UPDATE campaigns SET status = 'cancelled', completed_at = now(), updated_at = now(), \
             final_stats = {FINAL_STATS} WHERE id = $1 AND status = 'draft'"
        ))
        .bind(campaign_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(cancelled == 1)
    }

    /// Launches a draft campaign in one transaction (R1, R10, R16): snapshots its audience (the
    /// distinct contacts of its categories) as `queued` journeys and its settings, checks that
    /// today's remaining sends cover the audience, and marks it `running` under `workflow_id`.
    /// Nothing is visible until the returned [`PendingStart`] is committed.
    pub async fn launch_campaign(
        &self,
        campaign_id: i64,
        daily_limit: i32,
        defaults: &CampaignSettings,
    ) -> Result<LaunchOutcome, StoreError> {
        let tx = self.pool.begin().await?;
        Self::launch_in(tx, campaign_id, daily_limit, defaults).await
    }

    async fn launch_in(
        mut tx: Transaction<'static, Postgres>,
        campaign_id: i64,
        daily_limit: i32,
        defaults: &CampaignSettings,
    ) -> Result<LaunchOutcome, StoreError> {
        let Some(row) =
            sqlx::query("SELECT status, settings FROM campaigns WHERE id = $1 FOR UPDATE")
                .bind(campaign_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(LaunchOutcome::NotFound);
        };
        let status: String = row.get("status");
        if status != "draft" {
            return Ok(LaunchOutcome::NotDraft { status });
        }
        sqlx::query(&format!("SELECT pg_advisory_xact_lock({LAUNCH_LOCK})"))
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        let settings = match serde_json::from_value::<SettingsOverrides>(row.get("settings")) {
            Ok(overrides) => defaults
                .with_overrides(overrides)
                .map_err(|invalid| invalid.to_string()),
            Err(err) => Err(err.to_string()),
        };
        let settings = match settings {
            Ok(settings) => settings,
            Err(reason) => return Ok(LaunchOutcome::InvalidSettings { reason }),
        };
        let total_contacts = sqlx::query(
            "INSERT INTO journeys (campaign_id, contact_id) \
             SELECT DISTINCT $1::bigint, cc.contact_id FROM contact_categories cc \
             JOIN campaign_categories k ON k.category_id = cc.category_id WHERE k.campaign_id = $1 \
             ON CONFLICT DO NOTHING",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        if total_contacts == 0 {
            tx.rollback().await?;
            return Ok(LaunchOutcome::NoContacts);
        }
        let sent_today: i64 = sqlx::query_scalar(
            "SELECT coalesce((SELECT sent FROM daily_send_ledger WHERE day = (now() AT TIME ZONE 'UTC')::date), 0)::bigint",
        )
        .fetch_one(&mut *tx)
        .await?;
        let remaining = (i64::from(daily_limit) - sent_today).max(0);
        if total_contacts > remaining {
            tx.rollback().await?;
            return Ok(LaunchOutcome::QuotaExceeded {
                remaining,
                needed: total_contacts,
            });
        }
        let started_at: DateTime<Utc> = sqlx::query_scalar(
            "UPDATE campaigns SET status = 'running', settings = $2, workflow_id = $3, total_contacts = $4, \
             started_at = now(), updated_at = now() WHERE id = $1 RETURNING started_at",
        )
        .bind(campaign_id)
        .bind(sqlx::types::Json(&settings))
        .bind(CampaignWorkflowId::new(campaign_id).to_string())
        .bind(total_contacts as i32)
        .fetch_one(&mut *tx)
        .await?;
        Ok(LaunchOutcome::Launched(Box::new(PendingStart {
            tx,
            campaign_id,
            journeys: total_contacts,
            settings,
            started_at,
        })))
    }

    /// Gives a finished campaign's failed journeys a new start: they go back to `queued` (their
    /// never-accepted messages are removed so the new attempt may send), and the campaign runs
    /// again. Nothing is visible until the returned [`PendingStart`] is committed.
    pub async fn requeue_failed(&self, campaign_id: i64) -> Result<RetryOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) =
            sqlx::query("SELECT status, settings FROM campaigns WHERE id = $1 FOR UPDATE")
                .bind(campaign_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(RetryOutcome::NotFound);
        };
        let status: String = row.get("status");
        if !matches!(status.as_str(), "completed" | "failed") {
            return Ok(RetryOutcome::NotFinished { status });
        }
        sqlx::query(&format!("SELECT pg_advisory_xact_lock({LAUNCH_LOCK})"))
            .bind(campaign_id)
            .execute(&mut *tx)
            .await?;
        let requeued = sqlx::query(
            "UPDATE journeys SET state = 'queued', failure_reason = NULL, updated_at = now() \
             WHERE campaign_id = $1 AND state = 'failed'",
        )
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        if requeued == 0 {
            tx.rollback().await?;
            return Ok(RetryOutcome::NothingToRetry);
        }
        let removed_failed: i64 = sqlx::query_scalar(
            "WITH removed AS (DELETE FROM messages WHERE campaign_id = $1 AND status IN ('pending', 'failed') \
             AND contact_id IN (SELECT contact_id FROM journeys WHERE campaign_id = $1 AND state = 'queued') \
             RETURNING status) SELECT count(*) FILTER (WHERE status = 'failed') FROM removed",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        let started_at: DateTime<Utc> = sqlx::query_scalar(
            "UPDATE campaigns SET status = 'running', failed = failed - $2, messages_failed = messages_failed - $3, \
             completed_at = NULL, final_stats = NULL, updated_at = now() WHERE id = $1 RETURNING started_at",
        )
        .bind(campaign_id)
        .bind(requeued as i32)
        .bind(removed_failed as i32)
        .fetch_one(&mut *tx)
        .await?;
        Ok(RetryOutcome::Requeued(Box::new(PendingStart {
            tx,
            campaign_id,
            journeys: requeued,
            settings: row
                .get::<sqlx::types::Json<CampaignSettings>, _>("settings")
                .0,
            started_at,
        })))
    }

    /// A fresh run of a finished campaign: a copy (texts, categories, settings overrides) that
    /// remembers its source, launched in the same transaction, so a refused launch leaves no
    /// copy behind. A campaign is relaunched once (a repeated click finds the first copy,
    /// and the unique `campaigns_relaunched_from_key` backs it); the copy can be relaunched in
    /// turn. The original and its results stay as they are.
    pub async fn relaunch_campaign(
        &self,
        campaign_id: i64,
        daily_limit: i32,
        defaults: &CampaignSettings,
    ) -> Result<RelaunchOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let Some(status) = sqlx::query_scalar::<_, String>(
            "SELECT status FROM campaigns WHERE id = $1 FOR UPDATE",
        )
        .bind(campaign_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(RelaunchOutcome::NotFound);
        };
        if !matches!(status.as_str(), "completed" | "failed" | "cancelled") {
            return Ok(RelaunchOutcome::NotFinished { status });
        }
        let earlier: Option<i64> =
            sqlx::query_scalar("SELECT id FROM campaigns WHERE relaunched_from = $1")
                .bind(campaign_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(earlier) = earlier {
            return Ok(RelaunchOutcome::AlreadyRelaunched {
                campaign_id: earlier,
            });
        }
        let copy: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (name, message_1, message_2, settings, created_by, relaunched_from) \
             SELECT name, message_1, message_2, coalesce(settings -> 'overrides', settings), created_by, id \
             FROM campaigns WHERE id = $1 RETURNING id",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO campaign_categories (campaign_id, category_id) \
             SELECT $2, category_id FROM campaign_categories WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .bind(copy)
        .execute(&mut *tx)
        .await?;
        let launch = Self::launch_in(tx, copy, daily_limit, defaults).await?;
        Ok(RelaunchOutcome::Copied {
            campaign_id: copy,
            launch,
        })
    }

    pub async fn campaign_status(&self, campaign_id: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
                .bind(campaign_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Today's (UTC) provider sends.
    pub async fn sent_today(&self) -> Result<i32, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT coalesce((SELECT sent FROM daily_send_ledger WHERE day = (now() AT TIME ZONE 'UTC')::date), 0)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Sets today's ledger to `sent` (operators' correction; tests fill the day with it).
    pub async fn set_sent_today(&self, sent: i32) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO daily_send_ledger (day, sent) VALUES ((now() AT TIME ZONE 'UTC')::date, $1) \
             ON CONFLICT (day) DO UPDATE SET sent = EXCLUDED.sent, updated_at = now()",
        )
        .bind(sent)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
