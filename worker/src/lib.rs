//! The worker process: polls the engine's task queues and runs workflows and activities.
//!
//! Two task queues are polled: the main one (workflow tasks and bulk Message 1 sends) and a
//! Message 2 queue of its own, so a contact's follow-up leaves within seconds even while
//! thousands of Message 1 sends wait for their pacing slot (R11). Any number of worker processes
//! may poll the same queues; all shared state lives in Temporal and Postgres.

pub mod config;

use campaign_activities::provider::WassengerClient;
use campaign_activities::{
    BreakerPolicy, CampaignActivities, JourneyActivities, Store, VerificationActivities,
};
use campaign_workflows::{Campaign, ContactJourney, VerifyNumbers};
use std::future::Future;
use std::sync::Arc;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};
use temporalio_sdk::{Runtime, Worker, WorkerOptions};
use tracing_subscriber::EnvFilter;

pub use config::{ConfigError, ProviderKind, WorkerConfig};

/// Connects a Temporal client to `address` (`host:port`) in `namespace`.
pub async fn connect_temporal(
    address: &str,
    namespace: &str,
    identity: &str,
) -> anyhow::Result<Client> {
    let url = url::Url::parse(&format!("http://{address}"))?;
    let connection = Connection::connect(
        ConnectionOptions::new(url)
            .identity(identity.to_owned())
            .build(),
    )
    .await?;
    Ok(Client::new(
        connection,
        ClientOptions::new(namespace.to_owned()).build(),
    )?)
}

/// The worker binary: configuration from the environment, logs to stdout, graceful stop on
/// Ctrl-C or SIGTERM.
pub async fn run_from_env() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = WorkerConfig::from_env()?;
    run(config, shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM; only Ctrl-C stops the worker");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        () = terminate => {},
    }
}

/// Runs the worker until `shutdown` resolves, then lets in-flight tasks finish (graceful
/// shutdown: Temporal re-dispatches whatever does not finish in time to another worker).
pub async fn run(config: WorkerConfig, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let provider = Arc::new(WassengerClient::new(
        &config.provider_base_url,
        &config.provider_token,
        config.provider_timeout,
    )?);
    let campaign_activities = CampaignActivities::new(store.clone());
    let breaker = BreakerPolicy {
        pause: config.breaker_pause,
        ..BreakerPolicy::default()
    };
    let verification_activities = VerificationActivities::new(store.clone(), provider.clone());
    let activities = JourneyActivities::new(
        store,
        provider,
        config.daily_message_limit,
        breaker,
        config.provider_timeout,
    );

    let runtime = Runtime::from_current_tokio(Default::default())?;
    let client = connect_temporal(
        &config.temporal_address,
        &config.temporal_namespace,
        &config.identity,
    )
    .await?;
    let mut main_worker = Worker::new(
        &runtime,
        client.clone(),
        WorkerOptions::new(config.task_queue.clone())
            .register_workflow::<ContactJourney>()?
            .register_workflow::<Campaign>()?
            .register_workflow::<VerifyNumbers>()?
            .register_activities(activities.clone())
            .register_activities(verification_activities)
            .register_activities(campaign_activities)
            .graceful_shutdown_period(config.graceful_shutdown)
            .build(),
    )?;
    let mut message_2_worker = Worker::new(
        &runtime,
        client,
        WorkerOptions::new(config.message_2_task_queue.clone())
            .register_activities(activities)
            .graceful_shutdown_period(config.graceful_shutdown)
            .build(),
    )?;
    let stop_main = main_worker.shutdown_handle();
    let stop_message_2 = message_2_worker.shutdown_handle();
    tracing::info!(task_queue = %config.task_queue, message_2_task_queue = %config.message_2_task_queue,
        provider = ?config.provider, "worker started");
    let stop = async move {
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight tasks");
        stop_main();
        stop_message_2();
    };
    let (main_result, message_2_result, ()) =
        tokio::join!(main_worker.run(), message_2_worker.run(), stop);
    main_result?;
    message_2_result?;
    tracing::info!("worker stopped");
    Ok(())
}
