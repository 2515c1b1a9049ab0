//! Fault injection: a campaign run while its processes crash, to prove nothing is lost.
//!
//! The other end-to-end tests check each rule once, with every process healthy. Durable execution
//! is only worth its cost if the rules also hold when a worker dies between the provider's
//! acceptance and the database write, when Temporal or Postgres restarts under load, and when the
//! API is gone while the provider delivers replies. This module builds a [`Rig`] that owns every
//! process it kills, so the tests running beside it are never disturbed (the full Temporal server
//! alone is the script's, shared with the benchmarks and `make stack`, never with `make test`):
//!
//! - a Postgres cluster of its own ([`postgres::OwnPostgres`], durable settings, crashed with
//!   `pg_ctl stop -m immediate`);
//! - a Temporal dev server of its own ([`crate::temporal::OwnTemporal`], SIGKILLed), or with
//!   `CHAOS_TEMPORAL=postgres` Temporal's full server on Postgres, SIGKILLed and restarted
//!   through `scripts/temporal-postgres.sh` ([`server`]);
//! - a sandbox provider in-process, with latency on sends so kills land while a send is in flight;
//! - the real worker and the real API (`test-api`) as child processes (two workers and an API; on
//!   the full server three and two, the shape of `make stack`), restarted by a supervisor
//!   whenever they exit by themselves ([`processes::Fleet`]);
//! - phones replying to Message 1 through the API's Wassenger webhook, redelivering until they
//!   get a 2xx, like the provider does ([`phones`]).
//!
//! [`faults`] injects the crashes while Message 1s go out and replies come in; [`verdict`]
//! compares what the provider saw, what the phones sent and what the database holds, and reports
//! every offender at once.

pub mod faults;
pub mod phones;
pub mod postgres;
pub mod processes;
pub mod rig;
pub mod server;
pub mod verdict;

pub use rig::Rig;

use std::time::Duration;

/// How big a chaos run is: the short form by default (for `make test`), larger through
/// environment variables (`make chaos`).
#[derive(Debug, Clone)]
pub struct ChaosSize {
    /// Contacts in the campaign (`CHAOS_CONTACTS`).
    pub contacts: usize,
    /// Worker processes SIGKILLed and replaced during the run (`CHAOS_WORKER_KILLS`).
    pub worker_kills: usize,
    /// The campaign's interaction window (`CHAOS_WINDOW_SECS`).
    pub window: Duration,
    /// Seed of the choice of who replies and when (`CHAOS_SEED`).
    pub seed: u64,
}

/// The short form: about 3 to 4 minutes on 2 cores.
const DEFAULT_CONTACTS: usize = 110;
const DEFAULT_WORKER_KILLS: usize = 3;
const DEFAULT_WINDOW_SECS: u64 = 30;
const DEFAULT_SEED: u64 = 20_261_202;

impl ChaosSize {
    /// The size from the environment, the short form filling the gaps.
    pub fn from_env() -> anyhow::Result<ChaosSize> {
        Ok(ChaosSize {
            contacts: env_number("CHAOS_CONTACTS", DEFAULT_CONTACTS as u64)? as usize,
            worker_kills: env_number("CHAOS_WORKER_KILLS", DEFAULT_WORKER_KILLS as u64)? as usize,
            window: Duration::from_secs(env_number("CHAOS_WINDOW_SECS", DEFAULT_WINDOW_SECS)?),
            seed: env_number("CHAOS_SEED", DEFAULT_SEED)?,
        })
    }
}

fn env_number(name: &str, default: u64) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(raw) => raw
            .trim()
            .parse()
            .map_err(|err| anyhow::anyhow!("{name}={raw:?}: {err}")),
    }
}

/// A free TCP port on 127.0.0.1, chosen once so that a restarted server keeps its address.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
