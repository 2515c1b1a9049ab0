//! Which faults a chaos run injects, when, and the log of what was done.
//!
//! Faults are spread over the sending of Message 1 rather than over wall-clock time: fault `i`
//! of `n` fires once the share `SPAN_PERCENT × (i + 1) / (n + 1)` % of the Message 1s has been
//! accepted, so each lands while sends are in flight and replies come in, whatever the
//! machine's speed, and the last Message 1s, the windows and the completion run undisturbed. A
//! fault also waits for the system to have breathed since the previous one ([`MIN_GAP`]), and
//! fires anyway when sending stalls ([`MAX_WAIT`]), so every fault is injected even if the
//! engine stops making progress.

use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// The share of the Message 1s the faults are spread over, in percent.
pub const SPAN_PERCENT: usize = 80;
/// The least time between the end of one fault (its process back) and the next one.
pub const MIN_GAP: Duration = Duration::from_secs(3);
/// The longest a fault waits for its share of Message 1s.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// How long the Temporal server stays dead before it is restarted.
pub const TEMPORAL_OUTAGE: Duration = Duration::from_secs(3);
/// How long Postgres stays crashed before it is restarted.
pub const POSTGRES_OUTAGE: Duration = Duration::from_secs(3);
/// How long the API stays dead; the phones' replies fail meanwhile and are redelivered.
pub const API_OUTAGE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL one worker process and start a replacement at once.
    KillWorker,
    /// SIGKILL the Temporal server, restart it on the same state (the dev server's SQLite file,
    /// or the full server's Postgres databases).
    KillTemporal,
    /// `pg_ctl stop -m immediate`, then start (crash recovery).
    CrashPostgres,
    /// SIGKILL the API process, restart it on the same port.
    KillApi,
}

impl Fault {
    /// How long the rig keeps the process dead on purpose before it restarts it.
    pub fn deliberate_outage(self) -> Duration {
        match self {
            Fault::KillWorker => Duration::ZERO,
            Fault::KillTemporal => TEMPORAL_OUTAGE,
            Fault::CrashPostgres => POSTGRES_OUTAGE,
            Fault::KillApi => API_OUTAGE,
        }
    }
}

/// `worker_kills` worker kills with one of each other fault woven in between them.
pub fn schedule(worker_kills: usize) -> Vec<Fault> {
    let mut others = [Fault::KillTemporal, Fault::CrashPostgres, Fault::KillApi].into_iter();
    let mut faults = Vec::new();
    for _ in 0..worker_kills {
        faults.push(Fault::KillWorker);
        faults.extend(others.next());
    }
    faults.extend(others);
    faults
}

/// Message 1s accepted before fault `index` of `count` fires, out of `contacts`.
pub fn message_1_threshold(index: usize, count: usize, contacts: usize) -> usize {
    (contacts * SPAN_PERCENT * (index + 1)).div_ceil(100 * (count + 1))
}

/// How many faults of each kind were injected.
#[derive(Debug, Clone, Copy, Default)]
pub struct FaultCounts {
    pub worker_kills: u32,
    pub temporal_kills: u32,
    pub postgres_crashes: u32,
    pub api_kills: u32,
}

impl FaultCounts {
    pub fn count(&mut self, fault: Fault) {
        match fault {
            Fault::KillWorker => self.worker_kills += 1,
            Fault::KillTemporal => self.temporal_kills += 1,
            Fault::CrashPostgres => self.postgres_crashes += 1,
            Fault::KillApi => self.api_kills += 1,
        }
    }
}

/// How long one fault kept its process away, and when it was back.
#[derive(Debug, Clone)]
pub struct Recovery {
    pub fault: Fault,
    /// From the kill (or crash) until the process served again, the deliberate outage included.
    pub outage: Duration,
    /// When it served again, on the clock the provider stamps its acceptances with.
    pub back_at: DateTime<Utc>,
}

impl Recovery {
    /// The recovery as the figures print it: the outage, and how long after the process was
    /// back the provider accepted the next Message 1 (`accepted`: every Message 1's acceptance),
    /// i.e. when the engine sent again.
    pub fn describe(&self, accepted: &[DateTime<Utc>]) -> String {
        let resumed = accepted
            .iter()
            .filter(|at| **at >= self.back_at)
            .min()
            .map_or("no Message 1 after it".to_owned(), |at| {
                format!(
                    "next Message 1 {} ms later",
                    (*at - self.back_at).num_milliseconds()
                )
            });
        let restart = self.outage.saturating_sub(self.fault.deliberate_outage());
        format!(
            "{:?}: down {} ms (restart {} ms), {resumed}",
            self.fault,
            self.outage.as_millis(),
            restart.as_millis()
        )
    }
}

/// What happened when, from the start of the run; printed as it happens.
pub struct FaultLog {
    started: Instant,
    entries: Vec<String>,
    pub counts: FaultCounts,
    pub recoveries: Vec<Recovery>,
}

impl FaultLog {
    pub fn new(started: Instant) -> FaultLog {
        FaultLog {
            started,
            entries: Vec::new(),
            counts: FaultCounts::default(),
            recoveries: Vec::new(),
        }
    }

    /// Records that `fault`, whose process died at `killed_at`, is over: the process serves again.
    pub fn recovered(&mut self, fault: Fault, killed_at: Instant) {
        self.recoveries.push(Recovery {
            fault,
            outage: killed_at.elapsed(),
            back_at: Utc::now(),
        });
    }

    /// Records and prints `what`, stamped with the time since the start.
    pub fn note(&mut self, what: impl std::fmt::Display) {
        let entry = format!("[{:6.1} s] {what}", self.started.elapsed().as_secs_f64());
        eprintln!("chaos: {entry}");
        self.entries.push(entry);
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_weaves_one_of_each_other_fault_between_worker_kills() {
        use Fault::*;
        assert_eq!(
            schedule(3),
            [
                KillWorker,
                KillTemporal,
                KillWorker,
                CrashPostgres,
                KillWorker,
                KillApi
            ]
        );
        assert_eq!(
            schedule(1),
            [KillWorker, KillTemporal, CrashPostgres, KillApi]
        );
        assert_eq!(schedule(5).len(), 8);
    }

    #[test]
    fn thresholds_spread_the_faults_over_the_sends() {
        let thresholds: Vec<usize> = (0..6).map(|i| message_1_threshold(i, 6, 110)).collect();
        assert_eq!(thresholds, [13, 26, 38, 51, 63, 76]);
    }
}
