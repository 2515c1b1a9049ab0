//! How sends are retried (R12) and when sending pauses for everyone (R13).
//!
//! Both are plain data: the retry policy is copied into each journey at launch (R16), the breaker
//! thresholds are the worker's configuration, and the store applies them in SQL.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Why a failed send reads "daily message limit reached" in the database and the journey (R10).
pub const DAILY_LIMIT_REASON: &str = "daily message limit reached";
/// Why a Message 1 was not sent to a contact at the frequency cap (R24).
pub const FREQUENCY_CAP_REASON: &str = "frequency cap reached";
/// Why a send was skipped because its journey had already been closed.
pub const JOURNEY_CLOSED_REASON: &str = "journey already closed";
/// The failure reason of journeys closed by the campaign's cutoff before sending Message 1 (R9).
pub const CUTOFF_REASON: &str = "campaign cutoff";
/// Why a send to a contact who opted out (R19) after an earlier attempt's call was not made.
pub const OPTED_OUT_REASON: &str = "contact opted out";
/// Why a Message 2 failed on Meta when the customer-service window was closed (131047) and the
/// campaign has no fallback template.
pub const WINDOW_CLOSED_REASON: &str = "customer-service window closed";

/// R12 retry settings, copied into each journey's input at launch (R16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// `RETRY_BASE_DELAY`: attempt `n` waits `base × 2^(n-1)` before the next.
    pub retry_base_delay_ms: u64,
    /// The least a provider rate-limit answer waits.
    pub rate_limit_delay_ms: u64,
    /// How long one attempt may take in all. A worker that died mid-send is detected sooner, by
    /// its missing heartbeats.
    pub attempt_timeout_ms: u64,
}

impl SendPolicy {
    pub fn retry_base_delay(&self) -> Duration {
        Duration::from_millis(self.retry_base_delay_ms)
    }

    pub fn attempt_timeout(&self) -> Duration {
        Duration::from_millis(self.attempt_timeout_ms)
    }
}

impl Default for SendPolicy {
    fn default() -> Self {
        SendPolicy {
            max_attempts: 3,
            retry_base_delay_ms: 60_000,
            rate_limit_delay_ms: 60_000,
            attempt_timeout_ms: 60_000,
        }
    }
}

/// R13 thresholds, shared by every worker through the `sending_circuit` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// How long sending pauses once the breaker trips (30 min by default).
    pub pause: Duration,
    /// Errors in a row that trip it.
    pub consecutive_limit: i32,
    /// Errors within `window` that trip it.
    pub window_limit: i32,
    pub window: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            pause: Duration::from_secs(30 * 60),
            consecutive_limit: 3,
            window_limit: 5,
            window: Duration::from_secs(10 * 60),
        }
    }
}
