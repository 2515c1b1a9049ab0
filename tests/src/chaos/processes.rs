//! The engine's processes (workers, API) as children of the test, killed on purpose and
//! restarted by a supervisor when they exit by themselves.
//!
//! A process may exit on its own while Temporal or Postgres is down (it cannot start, or gives
//! up). In production a process manager starts it again; here the [`Fleet`]'s supervisor does,
//! and counts those exits, so the figures tell deliberate kills from self-exits.

use anyhow::Context;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, watch};

/// How often the supervisor looks for processes that exited.
const SUPERVISE_EVERY: Duration = Duration::from_millis(250);
/// The least time between two starts of one process, so one that cannot start (its Temporal or
/// Postgres is down) is not restarted in a hot loop.
const RESTART_BACKOFF: Duration = Duration::from_secs(1);
/// Self-exits after which a process is left down: past that it is broken, not unlucky.
const MAX_SELF_EXITS: u32 = 200;

/// How to start one process.
#[derive(Clone)]
pub struct ProcessSpec {
    /// A name unique in the fleet, e.g. `worker-1`; also the name of its log file.
    pub name: String,
    /// What kind of process it is (`worker`, `api`), for the figures.
    pub role: &'static str,
    pub program: PathBuf,
    pub env: Vec<(String, String)>,
}

struct Supervised {
    spec: ProcessSpec,
    /// `None` while the process is deliberately down.
    child: Option<Child>,
    last_start: Instant,
    self_exits: u32,
}

/// The supervised processes. Cheap to clone; every clone sees the same processes.
#[derive(Clone)]
pub struct Fleet {
    processes: Arc<Mutex<Vec<Supervised>>>,
    log_dir: PathBuf,
}

impl Fleet {
    /// An empty fleet whose processes write their output to `log_dir/<name>.log`.
    pub fn new(log_dir: PathBuf) -> Fleet {
        Fleet {
            processes: Arc::default(),
            log_dir,
        }
    }

    /// Starts a process and keeps it supervised.
    pub async fn add(&self, spec: ProcessSpec) -> anyhow::Result<u32> {
        let child = spawn(&spec, &self.log_dir)?;
        let pid = child.id().unwrap_or_default();
        self.processes.lock().await.push(Supervised {
            spec,
            child: Some(child),
            last_start: Instant::now(),
            self_exits: 0,
        });
        Ok(pid)
    }

    /// SIGKILLs `name` (no graceful shutdown) and leaves it down until [`Fleet::start`];
    /// returns the pid killed.
    pub async fn kill(&self, name: &str) -> anyhow::Result<Option<u32>> {
        let mut processes = self.processes.lock().await;
        let process = find(&mut processes, name)?;
        let Some(mut child) = process.child.take() else {
            return Ok(None);
        };
        let pid = child.id();
        child.kill().await?;
        Ok(pid)
    }

    /// Starts `name` again after [`Fleet::kill`]; returns the new pid.
    pub async fn start(&self, name: &str) -> anyhow::Result<u32> {
        let mut processes = self.processes.lock().await;
        let process = find(&mut processes, name)?;
        let child = spawn(&process.spec, &self.log_dir)?;
        let pid = child.id().unwrap_or_default();
        process.child = Some(child);
        process.last_start = Instant::now();
        Ok(pid)
    }

    /// Names of the processes of `role`, in the order they were added.
    pub async fn names(&self, role: &str) -> Vec<String> {
        self.processes
            .lock()
            .await
            .iter()
            .filter(|process| process.spec.role == role)
            .map(|process| process.spec.name.clone())
            .collect()
    }

    /// Self-exits so far, by role.
    pub async fn self_exits(&self) -> HashMap<&'static str, u32> {
        let mut exits = HashMap::new();
        for process in self.processes.lock().await.iter() {
            *exits.entry(process.spec.role).or_default() += process.self_exits;
        }
        exits
    }

    /// Restarts every process that exited by itself, until `stop` turns true.
    pub async fn supervise(self, mut stop: watch::Receiver<bool>) {
        while !*stop.borrow() {
            self.restart_exited().await;
            let _ = tokio::time::timeout(SUPERVISE_EVERY, stop.changed()).await;
        }
    }

    async fn restart_exited(&self) {
        let mut processes = self.processes.lock().await;
        for process in processes.iter_mut() {
            let Some(child) = process.child.as_mut() else {
                continue;
            };
            let Ok(Some(status)) = child.try_wait() else {
                continue;
            };
            if process.last_start.elapsed() < RESTART_BACKOFF {
                continue;
            }
            process.self_exits += 1;
            if process.self_exits > MAX_SELF_EXITS {
                eprintln!(
                    "chaos: {} exited {MAX_SELF_EXITS} times; leaving it down",
                    process.spec.name
                );
                process.child = None;
                continue;
            }
            match spawn(&process.spec, &self.log_dir) {
                Ok(restarted) => {
                    eprintln!(
                        "chaos: {} exited by itself ({status}); restarted as pid {}",
                        process.spec.name,
                        restarted.id().unwrap_or_default()
                    );
                    process.child = Some(restarted);
                }
                Err(err) => eprintln!("chaos: could not restart {}: {err:#}", process.spec.name),
            }
            process.last_start = Instant::now();
        }
    }
}

fn find<'a>(processes: &'a mut [Supervised], name: &str) -> anyhow::Result<&'a mut Supervised> {
    processes
        .iter_mut()
        .find(|process| process.spec.name == name)
        .with_context(|| format!("no process named {name}"))
}

/// Starts the process, its stdout and stderr appended to its log file. Killed when dropped, so a
/// failing test leaves no process behind.
fn spawn(spec: &ProcessSpec, log_dir: &std::path::Path) -> anyhow::Result<Child> {
    let log_path = log_dir.join(format!("{}.log", spec.name));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    Command::new(&spec.program)
        .envs(spec.env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", spec.program.display()))
}

/// The API binary of this package (`src/bin/test_api.rs`), beside the worker binary.
pub fn api_binary() -> anyhow::Result<PathBuf> {
    let binary = crate::worker_binary()?.with_file_name("test-api");
    anyhow::ensure!(
        binary.is_file(),
        "no {}: build with `cargo build -p campaign-tests --bins`",
        binary.display()
    );
    Ok(binary)
}
