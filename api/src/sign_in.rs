//! Signing in, throttled and audited (R22): the one path through which `/auth/login` and the
//! console's `/auth/session` check a password.
//!
//! The throttle (`campaign_domain::sign_in_throttle`) keys on who failed, never on the email
//! alone, so knowing an operator's email is not enough to keep them out:
//!
//! - the (email, client network) pair: after `SIGN_IN_FREE_ATTEMPTS` failures (default 5), each
//!   attempt of the pair waits a delay that doubles with every further failure, from the base
//!   delay up to the cap (at most 15 minutes), the right password included;
//! - the client network across emails: once it has failures on `SIGN_IN_FREE_EMAILS_PER_ADDRESS`
//!   emails (default 10), each attempt from it waits likewise, so spraying or stuffing
//!   credentials from one network is slowed for an email it has not tried yet.
//!
//! A right password from a network with no recent failures is checked, and gets in, however
//! many failures the email has from elsewhere. A client network is the address (IPv4) or its
//! /64 (IPv6); the address is the TCP peer (see [`crate::audit::ClientAddr`]).
//!
//! A throttled attempt is answered 429 with `Retry-After`, is audited as `auth.login_throttled`,
//! checks no password (no hash cost is spent) and is not a failure: hammering does not lengthen
//! the delay. A success forgets the failures of its own pair. The failures are counted from
//! the audit log, so the throttle holds across restarts and across API processes; attempts from
//! one network are serialized (see `campaign_store::sign_in`): a second one while the first is
//! being checked is answered 429 with a one-second `Retry-After`.

use crate::auth::{self, DECOY_HASH};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiResult};
use campaign_domain::sign_in_throttle::{ClientNetwork, Verdict};
use campaign_domain::{AuditAction, AuditTarget};
use campaign_store::users::User as UserRow;
use campaign_store::{Actor, AuditEntry};
use std::net::IpAddr;
use std::time::Duration;

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
        let entry = AuditEntry::new(
            Actor::anonymous(label.clone()),
            AuditAction::AuthLoginThrottled,
        )
        .summary(serde_json::json!({
            "via": via.as_str(),
            "scope": scope,
            "retry_after_secs": retry_after_secs,
        }))
        .from_addr(client_addr);
        (entry, ApiError::TooManyAttempts { retry_after_secs })
    };
    let network = client_addr.map(ClientNetwork::of);
    let Some(mut attempt) = context.store.begin_sign_in(network).await? else {
        let (entry, refused) = throttled("concurrent", Duration::from_secs(1));
        context.store.record_audit(&entry).await?;
        return Err(refused);
    };
    let recent = attempt.recent_failures(&label, network).await?;
    if let Verdict::Wait { scope, wait } = context.config.sign_in_throttle.verdict(&recent) {
        let (entry, refused) = throttled(scope.as_str(), wait);
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
            let entry = AuditEntry::new(Actor::user(user.id, label), AuditAction::AuthLogin)
                .target(AuditTarget::User, user.id)
                .summary(serde_json::json!({ "via": via.as_str() }))
                .from_addr(client_addr);
            attempt.finish(&entry).await?;
            return Ok(user);
        }
        Some(_) if matches => "user is inactive",
        _ => "wrong email or password",
    };
    let entry = AuditEntry::new(Actor::anonymous(label), AuditAction::AuthLoginFailed)
        .summary(serde_json::json!({ "via": via.as_str(), "reason": refusal }))
        .from_addr(client_addr);
    attempt.finish(&entry).await?;
    Err(ApiError::Unauthorized(refusal))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
