//! A Postgres cluster of the chaos test's own, so that crashing it disturbs no other test.
//!
//! It keeps Postgres' durable defaults (`fsync`, `synchronous_commit`, `full_page_writes` on),
//! unlike the shared development cluster: a crash must only lose what was never committed, which
//! is what the engine's guarantees rest on. Postgres refuses to run as root, so when the tests
//! run as root every server command goes through `runuser -u postgres` with a data directory the
//! `postgres` user owns (as `scripts/dev-env.sh` does).

use anyhow::{Context, bail};
use campaign_store::Store;
use sqlx::Connection;
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where Debian installs the server binaries, one directory per major version.
const DEBIAN_POSTGRES_DIR: &str = "/usr/lib/postgresql";
/// The system user that owns the cluster when the tests run as root.
const CLUSTER_OWNER: &str = "postgres";
/// How long `pg_ctl` may wait for a start (crash recovery included) or a stop.
const PG_CTL_TIMEOUT_SECS: &str = "120";
/// Room for two worker pools, the API's and the test's own.
const MAX_CONNECTIONS: u32 = 200;

/// A running cluster in a temporary directory; dropping it stops the server and deletes it.
pub struct OwnPostgres {
    bin_dir: PathBuf,
    /// Holds `data/`, `run/` (the unix socket) and `postgres.log`.
    base: PathBuf,
    pub port: u16,
    run_as_owner: bool,
}

impl OwnPostgres {
    /// Creates a cluster on a free port and starts it.
    pub async fn start() -> anyhow::Result<OwnPostgres> {
        let cluster = OwnPostgres {
            bin_dir: newest_bin_dir()?,
            base: std::env::temp_dir().join(format!(
                "chaos-pg-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            )),
            port: super::free_port()?,
            run_as_owner: running_as_root()?,
        };
        cluster.init().await?;
        cluster.restart().await?;
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.base.join("data")
    }

    /// The maintenance database, to create others from.
    fn server_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    async fn init(&self) -> anyhow::Result<()> {
        let socket_dir = self.base.join("run");
        let data = self.data_dir();
        self.run(Path::new("mkdir"), &[&"-p", &data, &socket_dir])
            .await?;
        self.run(
            &self.bin_dir.join("initdb"),
            &[
                &"-D",
                &data,
                &"-U",
                &"postgres",
                &"--auth=trust",
                &"--encoding=UTF8",
                &"--locale=C",
            ],
        )
        .await?;
        let settings = format!(
            "\n# chaos test cluster: loopback only, durable (a crash must lose nothing committed)\n\
             listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{socket}'\n\
             max_connections = {MAX_CONNECTIONS}\n\
             fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n",
            port = self.port,
            socket = socket_dir.display(),
        );
        // Root may append to the owner's file; otherwise we are the owner.
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))?
            .write_all(settings.as_bytes())?;
        Ok(())
    }

    /// Creates the database `name`, applies the migrations and returns its URL.
    pub async fn create_database(&self, name: &str) -> anyhow::Result<String> {
        let mut admin = sqlx::PgConnection::connect(&self.server_url()).await?;
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await?;
        let url = format!("postgres://postgres@127.0.0.1:{}/{name}", self.port);
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        store.pool().close().await;
        Ok(url)
    }

    /// Crashes the server: `pg_ctl stop -m immediate` aborts every backend without a checkpoint,
    /// as a power cut would; the next start runs crash recovery.
    pub async fn crash(&self) -> anyhow::Result<()> {
        let data = self.data_dir();
        self.run(
            &self.bin_dir.join("pg_ctl"),
            &[
                &"-D",
                &data,
                &"-m",
                &"immediate",
                &"-w",
                &"-t",
                &PG_CTL_TIMEOUT_SECS,
                &"stop",
            ],
        )
        .await
    }

    /// Starts the server and waits until it accepts connections (after any crash recovery).
    pub async fn restart(&self) -> anyhow::Result<()> {
        let data = self.data_dir();
        let log = self.base.join("postgres.log");
        self.run(
            &self.bin_dir.join("pg_ctl"),
            &[
                &"-D",
                &data,
                &"-l",
                &log,
                &"-w",
                &"-t",
                &PG_CTL_TIMEOUT_SECS,
                &"start",
            ],
        )
        .await
    }

    /// `program args…` as the cluster's owner, from `/` (which the owner can always enter).
    fn owner_command(&self, program: &Path, args: &[&dyn AsRef<OsStr>]) -> std::process::Command {
        let mut command = if self.run_as_owner {
            let mut runuser = std::process::Command::new("runuser");
            runuser.args(["-u", CLUSTER_OWNER, "--"]).arg(program);
            runuser
        } else {
            std::process::Command::new(program)
        };
        command
            .args(args.iter().map(|arg| arg.as_ref()))
            .current_dir("/");
        command
    }

    async fn run(&self, program: &Path, args: &[&dyn AsRef<OsStr>]) -> anyhow::Result<()> {
        let output = tokio::process::Command::from(self.owner_command(program, args))
            .output()
            .await
            .with_context(|| format!("running {}", program.display()))?;
        if !output.status.success() {
            bail!(
                "{} failed ({}): {}{}",
                program.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            );
        }
        Ok(())
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data_dir();
        let stop = self
            .owner_command(
                &self.bin_dir.join("pg_ctl"),
                &[&"-D", &data, &"-m", &"immediate", &"-w", &"stop"],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        if let Err(err) = stop {
            eprintln!(
                "chaos: could not stop the test cluster in {}: {err}",
                self.base.display()
            );
        }
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// `/usr/lib/postgresql/<newest major>/bin`.
fn newest_bin_dir() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_POSTGRES_DIR)
        .with_context(|| format!("no {DEBIAN_POSTGRES_DIR}: is the postgresql package installed?"))?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((major, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .with_context(|| format!("no initdb and pg_ctl under {DEBIAN_POSTGRES_DIR}/*/bin"))
}

/// Whether this process runs as root (the owner of `/proc/self`).
fn running_as_root() -> anyhow::Result<bool> {
    Ok(std::fs::metadata("/proc/self")?.uid() == 0)
}
