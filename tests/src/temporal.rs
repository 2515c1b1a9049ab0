//! A Temporal dev server of a test's own, for tests that stop and restart Temporal (the shared
//! one serves every other test). It persists to a SQLite file, so a restart keeps workflows.

use anyhow::Context;
use campaign_runtime::{Env, TemporalConfig};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// How long a starting dev server may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct OwnTemporal {
    pub port: u16,
    db_file: PathBuf,
    server: Option<Child>,
}

impl OwnTemporal {
    /// Starts a dev server on a free port with the engine's search attributes.
    pub async fn start() -> anyhow::Result<OwnTemporal> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let db_file = std::env::temp_dir().join(format!(
            "temporal-test-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        let mut temporal = OwnTemporal {
            port,
            db_file,
            server: None,
        };
        temporal.restart().await?;
        Ok(temporal)
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL): Temporal is down until [`OwnTemporal::restart`].
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut server) = self.server.take() {
            server.kill().await?;
        }
        Ok(())
    }

    /// Starts the server again on the same port and database, and waits until it answers.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.stop().await?;
        let binary = std::env::var("TEMPORAL_BIN").unwrap_or_else(|_| "temporal".to_owned());
        let server = Command::new(&binary)
            .args([
                "server",
                "start-dev",
                "--headless",
                "--ip",
                "127.0.0.1",
                "--port",
            ])
            .arg(self.port.to_string())
            .arg("--db-filename")
            .arg(&self.db_file)
            .args(["--namespace", "default"])
            .args(search_attribute_flags()?)
            .args(["--log-level", "error"])
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {binary} (set TEMPORAL_BIN)"))?;
        self.server = Some(server);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let probe = TemporalConfig {
                address: self.address(),
                ..TemporalConfig::from_env(&Env::new(|_| None))
            };
            if campaign_runtime::connect_temporal(&probe, "probe")
                .await
                .is_ok()
            {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "Temporal did not start in {START_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for OwnTemporal {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.db_file);
    }
}

/// `--search-attribute NAME=Keyword` for each of the engine's search attributes, as listed by
/// the one script that registers them everywhere else.
fn search_attribute_flags() -> anyhow::Result<Vec<String>> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts/register-search-attributes.sh");
    let listed = std::process::Command::new(&script)
        .arg("--names")
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    anyhow::ensure!(
        listed.status.success(),
        "{} --names failed",
        script.display()
    );
    Ok(String::from_utf8(listed.stdout)?
        .lines()
        .flat_map(|name| ["--search-attribute".to_owned(), format!("{name}=Keyword")])
        .collect())
}
