//! The Temporal server a chaos run SIGKILLs: a dev server of the test's own (the default), or
//! Temporal's full server on Postgres (`CHAOS_TEMPORAL=postgres`, which `make chaos
//! TEMPORAL=postgres` sets), the one `scripts/temporal-postgres.sh` runs for the benchmarks and
//! `make stack`.
//!
//! The full server is not a child of the test: it is the script's, with its pid file, its
//! schemas and its port. The rig asks the script to start it, to SIGKILL it (`kill`) and to start
//! it again, so that the fault is the one a production server suffers (its process gone mid-write,
//! its Postgres state as the crash left it) and the restart is the script's own, schema checks
//! included.

use crate::temporal::OwnTemporal;
use anyhow::{Context, bail};
use campaign_runtime::{Env, TemporalConfig};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::process::Command;

/// How long the restarted full server may take to serve the engine's namespace; the script
/// waits for it too, this is the client's view.
const SERVE_TIMEOUT: Duration = Duration::from_secs(120);

/// Which Temporal server a chaos run uses and kills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// The CLI's dev server on SQLite, a child of the test.
    Dev,
    /// The full server (frontend, history, matching, worker) on the local Postgres cluster.
    FullOnPostgres,
}

impl ServerKind {
    /// `CHAOS_TEMPORAL`: unset or `dev`, or `postgres`.
    pub fn from_env() -> anyhow::Result<ServerKind> {
        match std::env::var("CHAOS_TEMPORAL").as_deref() {
            Err(_) | Ok("" | "dev") => Ok(ServerKind::Dev),
            Ok("postgres") => Ok(ServerKind::FullOnPostgres),
            Ok(other) => bail!("CHAOS_TEMPORAL={other:?}: expected dev or postgres"),
        }
    }

    /// Workers and API processes the rig runs with this server: the dev server keeps the suite's
    /// original shape, the full server the production-shaped stack's (`make stack`).
    pub fn shape(self) -> (usize, usize) {
        match self {
            ServerKind::Dev => (2, 1),
            ServerKind::FullOnPostgres => (3, 2),
        }
    }
}

pub enum ChaosTemporal {
    Dev(OwnTemporal),
    FullOnPostgres { address: String },
}

impl ChaosTemporal {
    pub async fn start(kind: ServerKind) -> anyhow::Result<ChaosTemporal> {
        Ok(match kind {
            ServerKind::Dev => ChaosTemporal::Dev(OwnTemporal::start().await?),
            ServerKind::FullOnPostgres => ChaosTemporal::FullOnPostgres {
                address: start_full_server().await?,
            },
        })
    }

    pub fn address(&self) -> String {
        match self {
            ChaosTemporal::Dev(server) => server.address(),
            ChaosTemporal::FullOnPostgres { address } => address.clone(),
        }
    }

    /// SIGKILLs the server: Temporal is down until [`ChaosTemporal::restart`].
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        match self {
            ChaosTemporal::Dev(server) => server.stop().await,
            ChaosTemporal::FullOnPostgres { .. } => script(&["kill"]).await.map(drop),
        }
    }

    /// Starts the server again on the same state and address, and waits until it serves.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        match self {
            ChaosTemporal::Dev(server) => server.restart().await,
            ChaosTemporal::FullOnPostgres { address } => {
                let restarted = start_full_server().await?;
                anyhow::ensure!(
                    restarted == *address,
                    "Temporal came back on {restarted}, not {address}"
                );
                wait_until_serving(address).await
            }
        }
    }
}

/// `scripts/temporal-postgres.sh start` (builds the server once, then starts it unless it is
/// already serving); the address it prints.
async fn start_full_server() -> anyhow::Result<String> {
    let printed = script(&["start"]).await?;
    printed
        .lines()
        .find_map(|line| line.strip_prefix("TEMPORAL_ADDRESS="))
        .map(str::to_owned)
        .with_context(|| {
            format!("scripts/temporal-postgres.sh start printed no address: {printed}")
        })
}

/// Runs `scripts/temporal-postgres.sh ARGS`; its standard output. Its log lines go to the test's
/// output, where they tell what the restart cost.
async fn script(args: &[&str]) -> anyhow::Result<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/temporal-postgres.sh");
    let output = Command::new(&path)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .with_context(|| format!("running {}", path.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "{} {} failed ({})",
        path.display(),
        args.join(" "),
        output.status
    );
    Ok(String::from_utf8(output.stdout)?)
}

/// Waits until an SDK client connects to `address`, as the engine's processes will.
async fn wait_until_serving(address: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + SERVE_TIMEOUT;
    let probe = TemporalConfig {
        address: address.to_owned(),
        ..TemporalConfig::from_env(&Env::new(|_| None))
    };
    while campaign_runtime::connect_temporal(&probe, "probe")
        .await
        .is_err()
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "Temporal on {address} did not serve within {SERVE_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}
