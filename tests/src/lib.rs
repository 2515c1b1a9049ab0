//! Harness for end-to-end tests and benchmarks against the real Temporal dev server, real
//! Postgres and the sandbox provider (the only simulated boundary).
//!
//! Each [`TestEnv`] is isolated: a fresh database, its own sandbox, its own task queues and its
//! own worker process (the real worker code, run as a child process so a test can SIGKILL it).
//! Only the Temporal server is shared, so workflow ids are kept unique by starting each fresh
//! database's id sequences at a random offset.

pub mod api;
pub mod chaos;
mod database;
pub mod fixtures;
pub mod histories;
pub mod isolation;
mod journey_calls;
pub mod provider;
mod reply_bridge;
pub mod temporal;

pub use database::{COUNTER_NAMES, campaign_counters, fresh_database, server_database_url};
pub use journey_calls::{
    interaction, now_ms, outcome, parse_reference, query_state, signal, wait_for_state,
};
pub use reply_bridge::ReplyBridge;

use anyhow::{Context, bail};
use campaign_domain::SendPolicy;
use campaign_domain::{PhoneNumber, Template};
use campaign_runtime::{Env, TemporalConfig};
use campaign_store::Store;
use campaign_workflows::{Campaign, CampaignStatus, ContactJourney, JourneyInput, TaskQueues};
use rand::Rng;
use std::time::{Duration, Instant};
use temporalio_client::{Client, WorkflowGetResultOptions, WorkflowHandle, WorkflowStartOptions};
use tokio::process::{Child, Command};
use wa_sandbox::{SandboxConfig, SandboxHandle};

/// The worker binary of this package (the real worker, see `src/bin/test_worker.rs`), found
/// beside the running test or bench executable (`target/<profile>/` or its `deps/`).
pub fn worker_binary() -> anyhow::Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("test-worker"))
        .find(|candidate| candidate.is_file())
        .with_context(|| format!("no test-worker binary next to {}: build with `cargo build -p campaign-tests --bins`", exe.display()))
}

/// How long a test waits for a journey that should finish within seconds.
pub const OUTCOME_TIMEOUT: Duration = Duration::from_secs(90);

/// Retries fast enough for tests: the R12 formula with a 200 ms base instead of 60 s.
pub const FAST_RETRIES: SendPolicy = SendPolicy {
    max_attempts: 3,
    retry_base_delay_ms: 200,
    rate_limit_delay_ms: 500,
    attempt_timeout_ms: 5_000,
};

pub const MESSAGE_1_TEXT: &str = "Bonjour {first_name}, découvrez notre offre !";
pub const MESSAGE_2_TEXT: &str = "Merci {first_name} ! Voici votre code : MERCI10";

pub fn temporal_address() -> String {
    std::env::var("TEMPORAL_ADDRESS").unwrap_or_else(|_| "127.0.0.1:7233".to_owned())
}

pub fn temporal_namespace() -> String {
    std::env::var("TEMPORAL_NAMESPACE").unwrap_or_else(|_| "default".to_owned())
}

/// One isolated engine: database, sandbox, task queues, worker process and a Temporal client.
pub struct TestEnv {
    pub store: Store,
    pub sandbox: SandboxHandle,
    pub client: Client,
    pub task_queues: TaskQueues,
    pub database_url: String,
    /// The Temporal frontend this engine runs on (`host:port`).
    pub temporal_address: String,
    pub daily_limit: i32,
    /// Extra environment for worker processes (e.g. `BREAKER_PAUSE_SECS`).
    pub worker_env: Vec<(String, String)>,
    /// The provider API the engine speaks to the sandbox.
    pub provider: provider::Provider,
    /// A file worker processes append their standard output to (the terminal's when `None`).
    pub worker_log: Option<std::path::PathBuf>,
    workers: Vec<Child>,
    /// The national digits of the next phone this engine's contacts get (`+336…`): consecutive
    /// from a random start, so no two of its contacts share a number.
    next_phone: std::sync::atomic::AtomicU64,
    /// Released last, once the workers are gone.
    _sharing: tokio::sync::RwLockReadGuard<'static, ()>,
}

impl TestEnv {
    /// An engine with the default daily limit and a worker running.
    pub async fn start() -> anyhow::Result<TestEnv> {
        Self::start_with_limit(1_000).await
    }

    pub async fn start_with_limit(daily_limit: i32) -> anyhow::Result<TestEnv> {
        Self::start_with(daily_limit, &[]).await
    }

    /// An engine whose worker gets `worker_env` on top of the usual variables.
    pub async fn start_with(
        daily_limit: i32,
        worker_env: &[(&str, &str)],
    ) -> anyhow::Result<TestEnv> {
        Self::start_on(temporal_address(), daily_limit, worker_env).await
    }

    /// An engine on the Temporal frontend at `temporal_address` (e.g. a server of the test's
    /// own, see [`temporal::OwnTemporal`]).
    pub async fn start_on(
        temporal_address: String,
        daily_limit: i32,
        worker_env: &[(&str, &str)],
    ) -> anyhow::Result<TestEnv> {
        Self::start_on_provider(
            provider::Provider::Wassenger,
            temporal_address,
            daily_limit,
            worker_env,
        )
        .await
    }

    /// An engine with the default daily limit and a worker running, on `provider`.
    pub async fn start_with_provider(provider: provider::Provider) -> anyhow::Result<TestEnv> {
        Self::start_on_provider(provider, temporal_address(), 1_000, &[]).await
    }

    /// An engine whose worker gets `worker_env` and writes its log lines to `worker_log`, for a
    /// test to read.
    pub async fn start_with_worker_log(
        worker_env: &[(&str, &str)],
        worker_log: std::path::PathBuf,
    ) -> anyhow::Result<TestEnv> {
        Self::start_engine(
            provider::Provider::Wassenger,
            temporal_address(),
            1_000,
            worker_env,
            Some(worker_log),
        )
        .await
    }

    /// An engine on `provider`, on the Temporal frontend at `temporal_address`. On Meta, the
    /// sandbox's catalog is read into the store first.
    pub async fn start_on_provider(
        provider: provider::Provider,
        temporal_address: String,
        daily_limit: i32,
        worker_env: &[(&str, &str)],
    ) -> anyhow::Result<TestEnv> {
        Self::start_engine(provider, temporal_address, daily_limit, worker_env, None).await
    }

    async fn start_engine(
        provider: provider::Provider,
        temporal_address: String,
        daily_limit: i32,
        worker_env: &[(&str, &str)],
        worker_log: Option<std::path::PathBuf>,
    ) -> anyhow::Result<TestEnv> {
        let sharing = isolation::shared().await;
        let database_url = fresh_database().await?;
        let store = Store::connect(&database_url).await?;
        let sandbox = wa_sandbox::spawn(
            SandboxConfig {
                reply_probability: 0.0,
                ..SandboxConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let temporal = TemporalConfig {
            address: temporal_address.clone(),
            namespace: temporal_namespace(),
            ..TemporalConfig::from_env(&Env::new(|_| None))
        };
        let client = campaign_runtime::connect_temporal(&temporal, "campaign-tests")
            .await
            .context(
                "connecting to Temporal: is the dev server running? (`make test` starts it)",
            )?;
        let queue = format!("test-{}", uuid::Uuid::new_v4().simple());
        let mut env = TestEnv {
            store,
            sandbox,
            client,
            task_queues: TaskQueues {
                message_1: queue.clone(),
                message_2: format!("{queue}-message-2"),
            },
            database_url,
            temporal_address,
            daily_limit,
            worker_env: worker_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            provider,
            worker_log,
            workers: Vec::new(),
            // Leaves room for a million numbers below +336999999999.
            next_phone: rand::rng().random_range(100_000_000..900_000_000).into(),
            _sharing: sharing,
        };
        env.load_catalog().await?;
        env.spawn_worker()?;
        Ok(env)
    }

    /// Starts one more worker process polling this engine's task queues.
    pub fn spawn_worker(&mut self) -> anyhow::Result<()> {
        let worker_binary = worker_binary()?;
        let stdout = match &self.worker_log {
            Some(path) => std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?
                .into(),
            None => std::process::Stdio::inherit(),
        };
        let child = Command::new(&worker_binary)
            .env("DATABASE_URL", &self.database_url)
            .env("TEMPORAL_ADDRESS", &self.temporal_address)
            .env("TEMPORAL_NAMESPACE", temporal_namespace())
            .env("TASK_QUEUE", &self.task_queues.message_1)
            .env("MESSAGE_2_TASK_QUEUE", &self.task_queues.message_2)
            .envs(self.provider_env())
            .env("DAILY_MESSAGE_LIMIT", self.daily_limit.to_string())
            .env("GRACEFUL_SHUTDOWN_SECS", "1")
            .env(
                "RUST_LOG",
                std::env::var("TEST_WORKER_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .envs(self.worker_env.iter().map(|(name, value)| (name, value)))
            .stdout(stdout)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", worker_binary.display()))?;
        self.workers.push(child);
        Ok(())
    }

    /// Records the history of `workflow_id` as `name` when a run records histories
    /// (`make record-histories`, see [`histories::record`]).
    pub async fn record_history(&self, workflow_id: &str, name: &str) {
        histories::record(&self.temporal_address, workflow_id, name)
            .await
            .unwrap_or_else(|err| panic!("recording {name}: {err:#}"));
    }

    /// Records a campaign's runs as `name` (see [`TestEnv::record_history`]).
    pub async fn record_campaign(&self, campaign_id: i64, name: &str) {
        self.record_history(
            &campaign_domain::CampaignWorkflowId::new(campaign_id).to_string(),
            name,
        )
        .await;
    }

    /// Records a contact's journey as `name` (see [`TestEnv::record_history`]).
    pub async fn record_journey(&self, campaign_id: i64, contact_id: i64, name: &str) {
        self.record_history(
            &campaign_domain::JourneyWorkflowId::new(campaign_id, contact_id).to_string(),
            name,
        )
        .await;
    }

    /// Records, as `name`, the journey of the first contact of the campaign that ended in
    /// `state` (see [`TestEnv::record_history`]).
    pub async fn record_journey_in_state(&self, campaign_id: i64, state: &str, name: &str) {
        if !histories::recording() {
            return;
        }
        let contact_id: i64 = sqlx::query_scalar(
            "SELECT contact_id FROM journeys WHERE campaign_id = $1 AND state::text = $2 \
             ORDER BY contact_id LIMIT 1",
        )
        .bind(campaign_id)
        .bind(state)
        .fetch_one(self.store.pool())
        .await
        .unwrap_or_else(|err| panic!("no {state} journey to record as {name}: {err}"));
        self.record_journey(campaign_id, contact_id, name).await;
    }

    /// Process ids of the running worker processes.
    pub fn worker_pids(&self) -> Vec<u32> {
        self.workers.iter().filter_map(Child::id).collect()
    }

    /// Kills the oldest worker process with SIGKILL: no graceful shutdown, in-flight tasks are
    /// lost.
    pub async fn kill_worker(&mut self) -> anyhow::Result<()> {
        if !self.workers.is_empty() {
            self.workers.remove(0).kill().await?;
        }
        Ok(())
    }

    /// `count` French mobile numbers (`+336…`) no other contact of this engine has.
    fn new_phones(&self, count: usize) -> impl Iterator<Item = anyhow::Result<PhoneNumber>> {
        let first = self
            .next_phone
            .fetch_add(count as u64, std::sync::atomic::Ordering::Relaxed);
        (first..first + count as u64)
            .map(|digits| Ok(PhoneNumber::parse(&format!("+336{digits}"))?))
    }

    /// A contact with a phone number of its own.
    pub async fn contact(&self, first_name: &str) -> anyhow::Result<(i64, PhoneNumber)> {
        let phone = self.new_phones(1).next().expect("one phone")?;
        let id = fixtures::create_contact(&self.store, &phone, Some(first_name), None).await?;
        Ok((id, phone))
    }

    /// Who the tests that call the campaign operations directly act as, in the audit log.
    pub fn operator() -> campaign_store::Origin {
        campaign_store::Origin::new(campaign_store::Actor::anonymous("engine test"), None)
    }

    /// The campaign operations over this engine's store, client and queues.
    pub fn engine(&self) -> campaign_api::operations::Engine {
        campaign_api::operations::Engine {
            store: self.store.clone(),
            client: self.client.clone(),
            task_queues: self.task_queues.clone(),
            daily_limit: self.daily_limit,
            defaults: campaign_domain::CampaignSettings::default(),
            channel: self.provider.channel(),
        }
    }

    /// `count` contacts in a new category and a draft campaign aimed at it with `settings`.
    pub async fn draft_campaign(
        &self,
        count: usize,
        settings: serde_json::Value,
    ) -> anyhow::Result<(i64, Vec<i64>)> {
        let category_id = fixtures::create_category(
            &self.store,
            &format!("category-{}", uuid::Uuid::new_v4().simple()),
        )
        .await?;
        let mut contact_ids = Vec::with_capacity(count);
        for (i, phone) in self.new_phones(count).enumerate() {
            let phone = phone?;
            let name = format!("Contact{i}");
            contact_ids
                .push(fixtures::create_contact(&self.store, &phone, Some(&name), None).await?);
        }
        self.store
            .add_to_category(category_id, &contact_ids, None)
            .await?;
        let campaign_id = fixtures::create_draft_campaign(
            &self.store,
            "Test campaign",
            &Template::parse(MESSAGE_1_TEXT)?,
            &Template::parse(MESSAGE_2_TEXT)?,
            &[category_id],
            &settings,
        )
        .await?;
        self.adapt_draft(campaign_id).await?;
        Ok((campaign_id, contact_ids))
    }

    /// A contact's phone number, as stored.
    pub async fn phone_of(&self, contact_id: i64) -> String {
        sqlx::query_scalar("SELECT phone FROM contacts WHERE id = $1")
            .bind(contact_id)
            .fetch_one(self.store.pool())
            .await
            .unwrap_or_else(|err| panic!("no contact {contact_id}: {err}"))
    }

    /// The state of a journey's row, which must exist.
    pub async fn journey_state(&self, campaign_id: i64, contact_id: i64) -> String {
        fixtures::journey(&self.store, campaign_id, contact_id)
            .await
            .unwrap()
            .expect("a journey row")
            .state
    }

    /// Waits until the sandbox has accepted at least `count` messages.
    pub async fn wait_for_accepted(&self, count: usize) -> anyhow::Result<()> {
        let deadline = Instant::now() + OUTCOME_TIMEOUT;
        while self.sandbox.accepted().len() < count {
            if Instant::now() > deadline {
                bail!("the sandbox accepted fewer than {count} messages in {OUTCOME_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Waits for the campaign workflow to finish and returns its final status.
    pub async fn campaign_result(
        &self,
        campaign_id: i64,
        timeout: Duration,
    ) -> anyhow::Result<CampaignStatus> {
        let handle = self.client.get_workflow_handle::<Campaign>(
            campaign_domain::CampaignWorkflowId::new(campaign_id).to_string(),
        );
        Ok(tokio::time::timeout(
            timeout,
            handle.get_result(WorkflowGetResultOptions::default()),
        )
        .await
        .context("campaign did not finish in time")??)
    }

    /// Launches the draft campaign and waits for its workflow to finish, returning its final
    /// status.
    pub async fn run_campaign(
        &self,
        campaign_id: i64,
        timeout: Duration,
    ) -> anyhow::Result<CampaignStatus> {
        self.engine().launch(campaign_id, &Self::operator()).await?;
        self.campaign_result(campaign_id, timeout).await
    }

    /// A running campaign with the standard texts and the given contacts enrolled.
    pub async fn campaign(&self, contact_ids: &[i64]) -> anyhow::Result<i64> {
        let id = fixtures::create_running_campaign(
            &self.store,
            "Test campaign",
            &Template::parse(MESSAGE_1_TEXT)?,
            &Template::parse(MESSAGE_2_TEXT)?,
            &serde_json::json!({}),
        )
        .await?;
        fixtures::enroll_contacts(&self.store, id, contact_ids).await?;
        Ok(id)
    }

    pub async fn start_journey(
        &self,
        campaign_id: i64,
        contact_id: i64,
        window: Duration,
        policy: SendPolicy,
    ) -> anyhow::Result<WorkflowHandle<Client, ContactJourney>> {
        let input = JourneyInput {
            campaign_id,
            contact_id,
            interaction_window_ms: window.as_millis() as u64,
            send_policy: policy,
            task_queues: self.task_queues.clone(),
            pacing: None,
            quiet_hours: None,
        };
        let workflow_id =
            campaign_domain::JourneyWorkflowId::new(campaign_id, contact_id).to_string();
        self.client
            .start_workflow(
                ContactJourney::run,
                input,
                WorkflowStartOptions::new(self.task_queues.message_1.clone(), workflow_id.clone())
                    .build(),
            )
            .await?;
        Ok(self
            .client
            .get_workflow_handle::<ContactJourney>(workflow_id))
    }
}

/// The `quantile` (0 to 1) of ascending `sorted` values, by nearest rank; NaN when empty.
pub fn percentile(sorted: &[f64], quantile: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted[index]
}
