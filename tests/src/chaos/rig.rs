//! The chaos [`Rig`]: every process of one engine, owned by the test so it may kill them.

use super::faults::{self, Fault, FaultLog};
use super::postgres::OwnPostgres;
use super::processes::{Fleet, ProcessSpec, api_binary};
use super::server::{ChaosTemporal, ServerKind};
use super::{ChaosSize, free_port};
use crate::api::{ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, WEBHOOK_SECRET};
use crate::provider::{Provider, provider_env};
use anyhow::{Context, bail};
use campaign_store::Store;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use wa_sandbox::{Faults, MessagingLimit, SandboxConfig, SandboxHandle};

/// Latency the provider adds to every send, so that a worker kill lands while sends are in
/// flight: the provider then accepts messages whose sender died before writing them down.
const SEND_LATENCY_MS: u64 = 1_000;
/// How long a worker kill waits for a send to be in flight at the provider.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(5);
/// Sends per UTC day: far more than a run needs, so the quota never interferes.
const DAILY_LIMIT: u32 = 100_000;
/// How long a restarted API may take to serve again (it retries while its dependencies start).
const API_START_TIMEOUT: Duration = Duration::from_secs(120);
/// How often a waiting loop looks again.
const POLL_EVERY: Duration = Duration::from_millis(200);
/// Per-request limit of the test's own HTTP calls.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// One engine whose every process the test kills: its Postgres cluster, its Temporal server, its
/// provider, its workers and APIs (two workers and an API on the dev server, three workers and
/// two APIs on the full server, see [`ServerKind::shape`]). Dropping it stops all of them but
/// the full server, which is the script's.
pub struct Rig {
    pub size: ChaosSize,
    pub server: ServerKind,
    /// The provider API the engine speaks to the sandbox.
    pub provider: Provider,
    /// The test's own connection to the engine's database, for the verdict.
    pub store: Store,
    pub sandbox: SandboxHandle,
    pub fleet: Fleet,
    /// `http://127.0.0.1:{port}/api/v1` of each API, the same across restarts; the test's own
    /// calls and the provider's status webhooks go to the first.
    pub api_urls: Vec<String>,
    pub api_url: String,
    pub http: reqwest::Client,
    pub faults: FaultLog,
    pub started: Instant,
    /// Process logs; kept when the test fails.
    pub log_dir: PathBuf,
    temporal: ChaosTemporal,
    postgres: OwnPostgres,
    stop_supervisor: watch::Sender<bool>,
    worker_kills: usize,
    /// Released last, once every process is gone.
    _alone: tokio::sync::RwLockWriteGuard<'static, ()>,
}

impl Rig {
    /// Starts Postgres, Temporal, the provider, the workers and the API on Wassenger, and waits
    /// for the API.
    pub async fn start(size: ChaosSize) -> anyhow::Result<Rig> {
        Self::start_on(size, Provider::Wassenger).await
    }

    /// Starts every process with the engine speaking `provider`, and waits for the API. On
    /// Meta, the sandbox's signed status webhooks go to the API (their receipts are how a send
    /// retried after a crash finds its acceptance).
    pub async fn start_on(size: ChaosSize, provider: Provider) -> anyhow::Result<Rig> {
        let alone = crate::isolation::alone().await;
        let started = Instant::now();
        let log_dir = std::env::temp_dir().join(format!(
            "chaos-logs-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ));
        std::fs::create_dir_all(&log_dir)?;
        let postgres = OwnPostgres::start().await.context("starting Postgres")?;
        let database_url = postgres.create_database("chaos").await?;
        let store = Store::connect(&database_url).await?;
        let server = ServerKind::from_env()?;
        let temporal = ChaosTemporal::start(server)
            .await
            .context("starting Temporal")?;
        let sandbox = wa_sandbox::spawn(
            SandboxConfig {
                reply_probability: 0.0,
                faults: Faults {
                    latency_ms: SEND_LATENCY_MS,
                    ..Faults::default()
                },
                ..SandboxConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        // Like the daily limit, Meta's messaging limit must never refuse the run's audience (the
        // sandbox starts at the 250 contacts of a new business; the long form has 300).
        sandbox.set_meta_messaging_limit(MessagingLimit::TierUnlimited);
        let (workers, apis) = server.shape();
        let api_ports = (0..apis)
            .map(|_| free_port())
            .collect::<Result<Vec<_>, _>>()?;
        let engine = EngineEnv {
            database_url,
            temporal_address: temporal.address(),
            sandbox_url: sandbox.base_url.clone(),
            provider,
            queue: format!("chaos-{}", uuid::Uuid::new_v4().simple()),
        };
        let fleet = Fleet::new(log_dir.clone());
        for index in 1..=workers {
            fleet.add(engine.worker(index)?).await?;
        }
        for (index, port) in api_ports.iter().enumerate() {
            fleet.add(engine.api(index + 1, *port)?).await?;
        }
        let api_urls: Vec<String> = api_ports
            .iter()
            .map(|port| format!("http://127.0.0.1:{port}/api/v1"))
            .collect();
        let (stop_supervisor, stopped) = watch::channel(false);
        tokio::spawn(fleet.clone().supervise(stopped));
        let rig = Rig {
            size,
            server,
            provider,
            store,
            sandbox,
            fleet,
            api_url: api_urls[0].clone(),
            api_urls,
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()?,
            faults: FaultLog::new(started),
            started,
            log_dir,
            temporal,
            postgres,
            stop_supervisor,
            worker_kills: 0,
            _alone: alone,
        };
        rig.wait_for_api().await?;
        if provider == Provider::Meta {
            rig.sandbox
                .set_meta_webhook_url(Some(format!("{}/webhooks/meta", rig.api_url)));
        }
        Ok(rig)
    }

    /// Where the engine's processes reach Temporal.
    pub fn temporal_address(&self) -> String {
        self.temporal.address()
    }

    /// Waits until the API answers HTTP at all (`/health` may say a dependency is down).
    pub async fn wait_for_api(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + API_START_TIMEOUT;
        while self
            .http
            .get(format!("{}/health", self.api_url))
            .send()
            .await
            .is_err()
        {
            if Instant::now() > deadline {
                bail!(
                    "the API did not serve within {API_START_TIMEOUT:?}; see {}",
                    self.log_dir.join("api-1.log").display()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
        Ok(())
    }

    /// Injects the faults of `schedule` while the campaign's Message 1s go out (see
    /// [`faults`]): fault `i` once its share of Message 1s has been accepted.
    pub async fn inject_while_sending(&mut self, schedule: &[Fault]) -> anyhow::Result<()> {
        let mut last_fault_ended = Instant::now();
        for (index, &fault) in schedule.iter().enumerate() {
            let threshold = faults::message_1_threshold(index, schedule.len(), self.size.contacts);
            let waiting_since = Instant::now();
            while last_fault_ended.elapsed() < faults::MIN_GAP
                || (self.message_1_accepted() < threshold
                    && waiting_since.elapsed() < faults::MAX_WAIT)
            {
                tokio::time::sleep(POLL_EVERY).await;
            }
            let accepted = self.message_1_accepted();
            self.faults.note(format_args!(
                "{fault:?} ({accepted}/{} Message 1 accepted)",
                self.size.contacts
            ));
            self.inject(fault).await?;
            self.faults.counts.count(fault);
            last_fault_ended = Instant::now();
        }
        Ok(())
    }

    /// Message 1s the provider accepted (the run has one campaign).
    pub fn message_1_accepted(&self) -> usize {
        self.sandbox
            .accepted()
            .iter()
            .filter(|record| {
                record
                    .reference
                    .as_deref()
                    .is_some_and(|reference| reference.ends_with("-message_1"))
            })
            .count()
    }

    async fn inject(&mut self, fault: Fault) -> anyhow::Result<()> {
        match fault {
            Fault::KillWorker => self.kill_worker().await,
            Fault::KillTemporal => self.kill_temporal().await,
            Fault::CrashPostgres => self.crash_postgres().await,
            Fault::KillApi => self.kill_api().await,
        }
    }

    /// SIGKILLs the workers in turn, each replaced at once by a fresh process.
    async fn kill_worker(&mut self) -> anyhow::Result<()> {
        let workers = self.fleet.names("worker").await;
        let name = &workers[self.worker_kills % workers.len()];
        self.worker_kills += 1;
        let in_flight = self.wait_for_a_send_in_flight().await;
        let killed = self.fleet.kill(name).await?;
        let killed_at = Instant::now();
        let replacement = self.fleet.start(name).await?;
        self.faults.recovered(Fault::KillWorker, killed_at);
        self.faults.note(format_args!(
            "  SIGKILLed {name} (pid {killed:?}) with {in_flight} sends in flight, \
             replacement pid {replacement}"
        ));
        Ok(())
    }

    /// Waits (at most [`IN_FLIGHT_WAIT`]) until a provider call has started that the database
    /// does not show answered yet; how many there are.
    async fn wait_for_a_send_in_flight(&self) -> i64 {
        let deadline = Instant::now() + IN_FLIGHT_WAIT;
        loop {
            let in_flight = sqlx::query_scalar(
                "SELECT count(*) FROM messages \
                 WHERE status = 'pending' AND attempts > 0 AND sent_at IS NULL",
            )
            .fetch_one(self.store.pool())
            .await
            .unwrap_or(0);
            if in_flight > 0 || Instant::now() > deadline {
                return in_flight;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn kill_temporal(&mut self) -> anyhow::Result<()> {
        self.temporal.kill().await?;
        let killed_at = Instant::now();
        self.faults.note("  Temporal SIGKILLed");
        tokio::time::sleep(faults::TEMPORAL_OUTAGE).await;
        self.temporal.restart().await?;
        self.faults.recovered(Fault::KillTemporal, killed_at);
        self.faults.note("  Temporal serving again");
        Ok(())
    }

    async fn crash_postgres(&mut self) -> anyhow::Result<()> {
        self.postgres.crash().await?;
        let crashed_at = Instant::now();
        self.faults
            .note("  Postgres crashed (pg_ctl stop -m immediate)");
        tokio::time::sleep(faults::POSTGRES_OUTAGE).await;
        self.postgres.restart().await?;
        self.faults.recovered(Fault::CrashPostgres, crashed_at);
        self.faults
            .note("  Postgres recovered and accepting connections");
        Ok(())
    }

    /// SIGKILLs the first API, the one the test's calls go to; with two, the phones' replies
    /// fail over to the other meanwhile.
    async fn kill_api(&mut self) -> anyhow::Result<()> {
        let killed = self.fleet.kill("api-1").await?;
        let killed_at = Instant::now();
        self.faults
            .note(format_args!("  API SIGKILLed (pid {killed:?})"));
        tokio::time::sleep(faults::API_OUTAGE).await;
        let pid = self.fleet.start("api-1").await?;
        self.wait_for_api().await?;
        self.faults.recovered(Fault::KillApi, killed_at);
        self.faults
            .note(format_args!("  API serving again (pid {pid})"));
        Ok(())
    }

    /// Sends a request to the API with `token`, again while the connection fails (the API may
    /// be restarting) or it answers 503, until `timeout`; the status and JSON body of the answer.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<(reqwest::StatusCode, Value)> {
        let deadline = Instant::now() + API_START_TIMEOUT;
        loop {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.api_url));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let answer = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
                }
                Err(_) => None,
            };
            match answer {
                Some((status, body)) if status != reqwest::StatusCode::SERVICE_UNAVAILABLE => {
                    return Ok((status, body));
                }
                _ if Instant::now() > deadline => bail!("{method} {path}: no answer in time"),
                _ => tokio::time::sleep(POLL_EVERY).await,
            }
        }
    }

    /// Logs in as the bootstrap super admin; the access token.
    pub async fn login(&self) -> anyhow::Result<String> {
        let credentials = serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD });
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/auth/login",
                None,
                Some(&credentials),
            )
            .await?;
        anyhow::ensure!(status.is_success(), "login: {status} {body}");
        body["access_token"]
            .as_str()
            .map(str::to_owned)
            .context("login answered no access_token")
    }

    /// The phones' webhook targets: the provider's webhook route on each API.
    pub fn webhook_urls(&self) -> Vec<String> {
        let route = match self.provider {
            Provider::Wassenger => "wassenger",
            Provider::Meta => "meta",
        };
        self.api_urls
            .iter()
            .map(|api| format!("{api}/webhooks/{route}"))
            .collect()
    }

    /// What the phones prove a webhook with: Wassenger's shared secret, or Meta's app secret
    /// that signs each body.
    pub fn webhook_secret(&self) -> String {
        match self.provider {
            Provider::Wassenger => WEBHOOK_SECRET.to_owned(),
            Provider::Meta => wa_sandbox::DEFAULT_META_APP_SECRET.to_owned(),
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = self.stop_supervisor.send(true);
        if std::thread::panicking() {
            eprintln!("chaos: process logs kept in {}", self.log_dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.log_dir);
        }
    }
}

/// What the engine's processes are told about each other.
struct EngineEnv {
    database_url: String,
    temporal_address: String,
    sandbox_url: String,
    provider: Provider,
    /// The Message 1 task queue; Message 2 has `{queue}-message-2`.
    queue: String,
}

impl EngineEnv {
    /// Variables both the workers and the API read.
    fn shared(&self) -> Vec<(String, String)> {
        [
            ("DATABASE_URL", self.database_url.clone()),
            ("TEMPORAL_ADDRESS", self.temporal_address.clone()),
            ("TEMPORAL_NAMESPACE", "default".to_owned()),
            ("TASK_QUEUE", self.queue.clone()),
            ("MESSAGE_2_TASK_QUEUE", format!("{}-message-2", self.queue)),
            ("DAILY_MESSAGE_LIMIT", DAILY_LIMIT.to_string()),
            // Plain text in the log files.
            ("NO_COLOR", "1".to_owned()),
            (
                "RUST_LOG",
                // Each reply's handling and each journey's bookkeeping, so a failed run's kept
                // logs tell where a reply went.
                std::env::var("TEST_WORKER_LOG").unwrap_or_else(|_| {
                    "warn,campaign_api::routes=info,campaign_activities=info".to_owned()
                }),
            ),
        ]
        .into_iter()
        .chain(provider_env(self.provider, &self.sandbox_url))
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    fn worker(&self, index: usize) -> anyhow::Result<ProcessSpec> {
        let mut env = self.shared();
        env.push(("GRACEFUL_SHUTDOWN_SECS".to_owned(), "1".to_owned()));
        Ok(ProcessSpec {
            name: format!("worker-{index}"),
            role: "worker",
            program: crate::worker_binary()?,
            env,
        })
    }

    fn api(&self, index: usize, port: u16) -> anyhow::Result<ProcessSpec> {
        let mut env = self.shared();
        for (name, value) in [
            ("API_ADDR", format!("127.0.0.1:{port}")),
            ("JWT_SECRET", JWT_SECRET.to_owned()),
            ("WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("ADMIN_EMAIL", ADMIN_EMAIL.to_owned()),
            ("ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ] {
            env.push((name.to_owned(), value));
        }
        Ok(ProcessSpec {
            name: format!("api-{index}"),
            role: "api",
            program: api_binary()?,
            env,
        })
    }
}
