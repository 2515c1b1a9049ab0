//! The sign-in throttle's rule (R22): how long a sign-in must wait, given the recent failures of
//! its (email, client network) pair and of its client network across emails.
//!
//! The rule never sees the failures of an email from other networks: the input has no place for
//! them. So however many wrong passwords an attacker sends for an email, the owner signing in
//! from a network with no recent failures is let in; only the attacker's pair, and the
//! attacker's network once it fails on many emails (credential stuffing, password spraying),
//! are slowed.
//!
//! A client network is the address itself for IPv4 and its /64 for IPv6, where one subscriber
//! holds a whole /64 and could otherwise take a fresh address for every guess.

use chrono::{DateTime, Utc};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

/// The longest wait the throttle may impose: nobody is kept out longer than this (R22).
pub const MAX_DELAY_CEILING: Duration = Duration::from_secs(15 * 60);

/// How failed sign-ins are slowed: checked when built, so the cap always holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInThrottle {
    pair_allowance: u32,
    address_allowance: u32,
    base_delay: Duration,
    max_delay: Duration,
}

/// Why a throttle's settings are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidThrottle {
    /// A zero first delay would silently turn the throttle off.
    #[error("the first delay must be more than zero")]
    ZeroBaseDelay,
    #[error("the longest delay ({max:?}) is shorter than the first ({base:?})")]
    MaxBelowBase { base: Duration, max: Duration },
    #[error("the longest delay ({0:?}) exceeds 15 minutes, the most anyone may be kept out")]
    MaxAboveCeiling(Duration),
}

/// Recent failures on one key: how many (failed sign-ins of a pair, or emails failing from a
/// network) and when the latest failure was. Only built when there is at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: NonZeroU32,
    pub last_at: DateTime<Utc>,
}

impl Failures {
    /// Reads a count and the latest failure's time as the store aggregates them: none when the
    /// count is zero (or the time missing); a count beyond `u32` saturates.
    pub fn new(count: i64, last_at: Option<DateTime<Utc>>) -> Option<Failures> {
        let count = NonZeroU32::new(u32::try_from(count.max(0)).unwrap_or(u32::MAX))?;
        Some(Failures {
            count,
            last_at: last_at?,
        })
    }
}

/// What the throttle decides on, counted at `now` (the clock the failures were recorded on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    /// Failed sign-ins of this email from this network since the pair's last success.
    pub pair: Option<Failures>,
    /// Emails with failures from this network since each one's last success there.
    pub network: Option<Failures>,
    pub now: DateTime<Utc>,
}

/// Which key an attempt is held back by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The (email, client network) pair.
    Pair,
    /// The client network, across emails.
    Address,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Pair => "pair",
            Scope::Address => "address",
        }
    }
}

/// The throttle's answer to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Proceed,
    /// Refuse without checking the password; try again after `wait`.
    Wait { scope: Scope, wait: Duration },
}

impl SignInThrottle {
    /// After `pair_allowance` failures of one pair, or failures on `address_allowance` emails
    /// from one network, attempts wait `base_delay`, doubling with each further failure (or
    /// failing email) up to `max_delay`.
    pub fn new(
        pair_allowance: u32,
        address_allowance: u32,
        base_delay: Duration,
        max_delay: Duration,
    ) -> Result<SignInThrottle, InvalidThrottle> {
        if base_delay.is_zero() {
            return Err(InvalidThrottle::ZeroBaseDelay);
        }
        if max_delay < base_delay {
            return Err(InvalidThrottle::MaxBelowBase {
                base: base_delay,
                max: max_delay,
            });
        }
        if max_delay > MAX_DELAY_CEILING {
            return Err(InvalidThrottle::MaxAboveCeiling(max_delay));
        }
        Ok(SignInThrottle {
            pair_allowance,
            address_allowance,
            base_delay,
            max_delay,
        })
    }

    /// The delay after `count` failures when `allowance` are free: none below the allowance,
    /// then `base_delay` doubling with each one beyond it, capped at `max_delay`.
    pub fn delay(&self, count: u32, allowance: u32) -> Duration {
        let Some(beyond) = count.checked_sub(allowance) else {
            return Duration::ZERO;
        };
        self.base_delay
            .saturating_mul(1 << beyond.min(31))
            .min(self.max_delay)
    }

    /// What is left of a key's delay at `now`: the delay runs from its latest failure.
    fn remaining(
        &self,
        failures: Option<Failures>,
        allowance: u32,
        now: DateTime<Utc>,
    ) -> Duration {
        failures.map_or(Duration::ZERO, |failures| {
            let elapsed = (now - failures.last_at).to_std().unwrap_or_default();
            self.delay(failures.count.get(), allowance)
                .saturating_sub(elapsed)
        })
    }

    /// Whether an attempt may check its password, or how long it must wait and why (the
    /// longer of the pair's and the network's waits).
    pub fn verdict(&self, recent: &RecentFailures) -> Verdict {
        let pair = self.remaining(recent.pair, self.pair_allowance, recent.now);
        let network = self.remaining(recent.network, self.address_allowance, recent.now);
        match (pair, network) {
            (pair, network) if pair.is_zero() && network.is_zero() => Verdict::Proceed,
            (pair, network) if pair >= network => Verdict::Wait {
                scope: Scope::Pair,
                wait: pair,
            },
            (_, network) => Verdict::Wait {
                scope: Scope::Address,
                wait: network,
            },
        }
    }
}

/// The client network an address belongs to, which the throttle counts by: the IPv4 address,
/// or the IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientNetwork {
    first: IpAddr,
    last: IpAddr,
}

impl ClientNetwork {
    pub fn of(addr: IpAddr) -> ClientNetwork {
        match addr {
            IpAddr::V4(_) => ClientNetwork {
                first: addr,
                last: addr,
            },
            IpAddr::V6(v6) => {
                let prefix = u128::from(v6) & !u128::from(u64::MAX);
                ClientNetwork {
                    first: IpAddr::V6(Ipv6Addr::from(prefix)),
                    last: IpAddr::V6(Ipv6Addr::from(prefix | u128::from(u64::MAX))),
                }
            }
        }
    }

    /// The lowest and highest addresses of the network, inclusive.
    pub fn bounds(&self) -> (IpAddr, IpAddr) {
        (self.first, self.last)
    }
}

/// `192.0.2.1/32`, `2001:db8:1:2::/64`.
impl fmt::Display for ClientNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = if self.first.is_ipv4() { 32 } else { 64 };
        write!(f, "{}/{prefix}", self.first)
    }
}

#[cfg(test)]
mod tests;
