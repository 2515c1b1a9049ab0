//! Signing in, throttled and audited (R22): the one path through which `/auth/login` and the
//! console's `/auth/session` check a password.
//!
//! Failed sign-ins are counted from the audit log (`auth.login_failed` rows since the last
//! `auth.login`, within a day), so the count holds across API restarts and is shared by every
//! API process. Two counts apply, each with its own allowance:
//!
//! - per account (the email tried, known or not): after `free_per_account` consecutive
//!   failures (default 5), each attempt waits a delay that doubles with every further failure,
//!   from `base_delay` up to `max_delay` (15 minutes);
//! - per client address: the same, with a larger allowance (`free_per_address`, default 20), so
//!   one address trying many emails is slowed too.
//!
//! A throttled attempt is answered 429 with `Retry-After`, is audited as `auth.login_throttled`,
//! checks no password (no hash cost is spent) and is not a failure: hammering a locked account
//! does not lengthen its delay. An attacker can therefore hold an account to one guess every
//! `max_delay` at most, never lock its owner out for longer than that, and only from their own
//! address slow that address. A successful sign-in resets both counts.
//!
//! Attempts on one email are serialized (see `campaign_store::sign_in`): a second one while
//! the first is being checked is answered 429 with a one-second `Retry-After`.

use crate::auth::{self, DECOY_HASH};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiResult};
use campaign_store::audit::SignInFailures;
use campaign_store::users::User as UserRow;
use campaign_store::{Actor, AuditEntry};
use std::net::IpAddr;
use std::time::Duration;

/// How failed sign-ins are slowed down (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInThrottle {
    pub free_per_account: u32,
    pub free_per_address: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl SignInThrottle {
    /// The wait imposed after `failures` consecutive failures when `free` are allowed: none up
    /// to the allowance, then `base_delay` doubling with each further failure, capped at
    /// `max_delay`.
    pub fn delay(&self, failures: i64, free: u32) -> Duration {
        let Some(beyond) = failures
            .checked_sub(i64::from(free))
            .filter(|beyond| *beyond >= 0)
        else {
            return Duration::ZERO;
        };
        let doublings = u32::try_from(beyond).unwrap_or(u32::MAX).min(31);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }

    /// How long the attempt must still wait, if at all: the delay runs from the last failure.
    fn wait(&self, failures: &SignInFailures, free: u32) -> Duration {
        let Some(last_at) = failures.last_at else {
            return Duration::ZERO;
        };
        let elapsed = (failures.checked_at - last_at).to_std().unwrap_or_default();
        self.delay(failures.count, free).saturating_sub(elapsed)
    }
}

/// Which route signed in, for the audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `/auth/login`: tokens for API clients.
    Token,
    /// `/auth/session`: the console.
    Session,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Token => "token",
            Via::Session => "session",
        }
    }
}

/// The console session a successful sign-in opens, in the sign-in's transaction.
pub struct NewSession {
    pub token_digest: [u8; 32],
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// The email as audited and counted: trimmed and lower-cased, as `users_email_key` compares.
fn account_label(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Whole seconds to announce in `Retry-After`, rounded up and never 0.
fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Signs `email` in with `password` from `client_addr` (see the module docs): the active user,
/// 401 for a wrong email or password or an inactive user (in the same time whether or not the
/// email exists), 429 when throttled. Every outcome writes its audit row.
pub async fn sign_in(
    context: &ApiContext,
    email: &str,
    password: String,
    client_addr: Option<IpAddr>,
    via: Via,
    session: Option<NewSession>,
) -> ApiResult<UserRow> {
    let label = account_label(email);
    let throttled = |scope: &str, wait: Duration| {
        let retry_after_secs = retry_after_secs(wait);
        let entry = AuditEntry::new(Actor::anonymous(label.clone()), "auth.login_throttled")
            .summary(serde_json::json!({
                "via": via.as_str(),
                "scope": scope,
                "retry_after_secs": retry_after_secs,
            }))
            .from_addr(client_addr);
        (entry, ApiError::TooManyAttempts { retry_after_secs })
    };
    let Some(mut attempt) = context.store.begin_sign_in(&label).await? else {
        let (entry, refused) = throttled("concurrent", Duration::from_secs(1));
        context.store.record_audit(&entry).await?;
        return Err(refused);
    };
    let throttle = &context.config.sign_in_throttle;
    let (of_account, from_addr) = attempt.failures(&label, client_addr).await?;
    let account_wait = throttle.wait(&of_account, throttle.free_per_account);
    let address_wait = from_addr.map_or(Duration::ZERO, |failures| {
        throttle.wait(&failures, throttle.free_per_address)
    });
    if !account_wait.is_zero() || !address_wait.is_zero() {
        let scope = if account_wait >= address_wait {
            "account"
        } else {
            "address"
        };
        let (entry, refused) = throttled(scope, account_wait.max(address_wait));
        attempt.finish(&entry).await?;
        return Err(refused);
    }

    let credentials = context.store.user_credentials(email).await?;
    let hash = credentials
        .as_ref()
        .map_or(DECOY_HASH.to_owned(), |c| c.password_hash.clone());
    let matches = auth::password_matches(password, hash).await?;
    let refusal = match credentials {
        Some(credentials) if matches && credentials.user.is_active => {
            let user = credentials.user;
            if let Some(session) = session {
                attempt
                    .open_session(user.id, &session.token_digest, session.expires_at)
                    .await?;
            }
            let entry = AuditEntry::new(Actor::user(user.id, label), "auth.login")
                .target("user", user.id)
                .summary(serde_json::json!({ "via": via.as_str() }))
                .from_addr(client_addr);
            attempt.finish(&entry).await?;
            return Ok(user);
        }
        Some(_) if matches => "user is inactive",
        _ => "wrong email or password",
    };
    let entry = AuditEntry::new(Actor::anonymous(label), "auth.login_failed")
        .summary(serde_json::json!({ "via": via.as_str(), "reason": refusal }))
        .from_addr(client_addr);
    attempt.finish(&entry).await?;
    Err(ApiError::Unauthorized(refusal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const THROTTLE: SignInThrottle = SignInThrottle {
        free_per_account: 5,
        free_per_address: 20,
        base_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(900),
    };

    #[test]
    fn the_delay_starts_after_the_allowance_and_doubles_up_to_the_cap() {
        assert_eq!(THROTTLE.delay(0, 5), Duration::ZERO);
        assert_eq!(THROTTLE.delay(4, 5), Duration::ZERO);
        assert_eq!(THROTTLE.delay(5, 5), Duration::from_secs(5));
        assert_eq!(THROTTLE.delay(6, 5), Duration::from_secs(10));
        assert_eq!(THROTTLE.delay(9, 5), Duration::from_secs(80));
        assert_eq!(THROTTLE.delay(20, 5), Duration::from_secs(900));
        assert_eq!(THROTTLE.delay(i64::MAX, 5), Duration::from_secs(900));
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }

    #[test]
    fn the_account_label_ignores_case_and_surrounding_spaces() {
        assert_eq!(account_label("  Admin@Example.COM "), "admin@example.com");
    }

    proptest! {
        /// One more failure never shortens the delay, and no delay exceeds the cap: an attacker
        /// cannot lock an account for longer than `max_delay`.
        #[test]
        fn the_delay_is_monotonic_and_capped(
            failures in 0_i64..10_000,
            free in 0_u32..50,
            base_ms in 1_u64..60_000,
            max_secs in 1_u64..7_200,
        ) {
            let throttle = SignInThrottle {
                base_delay: Duration::from_millis(base_ms),
                max_delay: Duration::from_secs(max_secs),
                ..THROTTLE
            };
            let delay = throttle.delay(failures, free);
            prop_assert!(delay <= throttle.max_delay);
            prop_assert!(throttle.delay(failures + 1, free) >= delay);
        }
    }
}
