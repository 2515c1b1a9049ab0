//! The worker process: polls the engine's task queues and runs workflows and activities.
//!
//! Two task queues are polled: the main one (workflow tasks, whose local activities send the bulk
//! Message 1) and a Message 2 queue of its own, so a contact's follow-up leaves within seconds
//! even while thousands of Message 1 sends wait for their pacing slot (R11). Any number of worker
//! processes may poll the same queues; all shared state lives in Temporal and Postgres.

pub mod config;
pub mod metrics;

use campaign_activities::{
    CampaignActivities, ConsentActivities, JourneyActivities, ScheduleActivities,
    VerificationActivities,
};
use campaign_domain::BreakerPolicy;
use campaign_runtime::{Env, connect_temporal};
use campaign_store::Store;
use campaign_workflows::{
    Campaign, ContactJourney, OptOutConfirmation, ScheduledLaunch, VerifyNumbers,
};
use metrics::WorkerMetrics;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use temporalio_sdk::runtime::worker_tuner::{FixedSizeSlotSupplier, TunerHolder};
use temporalio_sdk::runtime::{PollerBehavior, RuntimeOptions};
use temporalio_sdk::{PatchActivationCallback, Runtime, Worker, WorkerOptions};

/// Workflow tasks the main worker holds at once. Message 1 is a local activity (see
/// `campaign_workflows::journey`), so a paced send waiting a few seconds for its slot keeps its
/// workflow task open meanwhile; the SDK's 100 could then all be held by Message 1 waits, and
/// the workflow task that sends a Message 2 would queue behind them (R11). A slot is a permit,
/// not a thread.
const WORKFLOW_TASK_SLOTS: usize = 500;
/// Local activities run at once: Message 1 sends and bookkeeping writes.
const LOCAL_ACTIVITY_SLOTS: usize = 200;
/// Regular activities run at once (the SDK's default).
const ACTIVITY_SLOTS: usize = 100;

pub use config::WorkerConfig;

/// The worker binaries' whole body, on a runtime of its own. Here rather than in their
/// `async fn main`, which would compile the whole worker again in each binary (issue 26: minutes
/// of every build).
#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    run_from_env().await
}

/// The worker binary: configuration from the environment, logs to stdout, graceful stop on
/// Ctrl-C or SIGTERM.
pub async fn run_from_env() -> anyhow::Result<()> {
    campaign_runtime::init_telemetry();
    let config = WorkerConfig::from_env(&Env::process())?;
    run(config, campaign_runtime::shutdown_signal()).await
}

/// Runs the worker until `shutdown` resolves, then lets in-flight tasks finish (graceful
/// shutdown: Temporal re-dispatches whatever does not finish in time to another worker).
pub async fn run(config: WorkerConfig, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let store = Store::connect(&config.database_url).await?;
    store.migrate().await?;
    let mut metrics = WorkerMetrics::start(config.metrics_addr)?;
    metrics.watch_sending_state(store.clone(), config.daily_message_limit);
    let provider = campaign_runtime::build_provider(&config.provider)?;
    let campaign_activities = CampaignActivities::new(store.clone());
    let breaker = BreakerPolicy {
        pause: config.breaker_pause,
        ..BreakerPolicy::default()
    };
    let verification_activities = VerificationActivities::new(store.clone(), provider.clone());
    let schedule_activities = ScheduleActivities::new(
        store.clone(),
        config.daily_message_limit,
        config.provider.channel(),
    );
    let consent_activities =
        ConsentActivities::new(store.clone(), provider.clone(), config.daily_message_limit);
    let activities = JourneyActivities::new(
        store,
        provider,
        config.daily_message_limit,
        breaker,
        config.provider.timeout,
        metrics.engine.clone(),
    );

    // The SDK logs through the process's subscriber (`campaign_runtime::init_telemetry`) and
    // records its metrics into the endpoint's meter, if any.
    let runtime = Runtime::from_current_tokio(
        RuntimeOptions::builder()
            .telemetry_options(metrics.telemetry.clone())
            .build()
            .map_err(anyhow::Error::msg)?,
    )?;
    let client = connect_temporal(&config.temporal, &config.identity).await?;
    let mut main_worker = Worker::new(
        &runtime,
        client.clone(),
        WorkerOptions::new(config.temporal.task_queue.clone())
            .register_workflow::<ContactJourney>()?
            .register_workflow::<Campaign>()?
            .register_workflow::<VerifyNumbers>()?
            .register_workflow::<OptOutConfirmation>()?
            .register_workflow::<ScheduledLaunch>()?
            .register_activities(activities.clone())
            .register_activities(verification_activities)
            .register_activities(campaign_activities)
            .register_activities(consent_activities)
            .register_activities(schedule_activities)
            .max_cached_workflows(config.max_cached_workflows)
            .workflow_task_poller_behavior(PollerBehavior::SimpleMaximum(config.workflow_pollers))
            .tuner(
                TunerHolder::builder()
                    .workflow_task_slot_supplier(FixedSizeSlotSupplier::new(WORKFLOW_TASK_SLOTS))
                    .activity_task_slot_supplier(FixedSizeSlotSupplier::new(ACTIVITY_SLOTS))
                    .local_activity_task_slot_supplier(FixedSizeSlotSupplier::new(
                        LOCAL_ACTIVITY_SLOTS,
                    ))
                    .nexus_task_slot_supplier(FixedSizeSlotSupplier::new(1))
                    .build(),
            )
            .graceful_shutdown_period(config.graceful_shutdown)
            .maybe_patch_activation_callback(holding_back(config.held_patches.clone()))
            .build(),
    )?;
    let mut message_2_worker = Worker::new(
        &runtime,
        client,
        WorkerOptions::new(config.temporal.message_2_task_queue.clone())
            .register_activities(activities)
            .graceful_shutdown_period(config.graceful_shutdown)
            .build(),
    )?;
    let stop_main = main_worker.shutdown_handle();
    let stop_message_2 = message_2_worker.shutdown_handle();
    tracing::info!(task_queue = %config.temporal.task_queue,
        message_2_task_queue = %config.temporal.message_2_task_queue,
        provider = ?config.provider.kind, held_patches = ?config.held_patches, "worker started");
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

/// The SDK's patch activation callback for `held` patches: a workflow reaching one of them on
/// this worker runs the code as it was before it (and records no marker, so any worker replays
/// it). `None`, the SDK's default, activates every patch.
fn holding_back(held: BTreeSet<&'static str>) -> Option<PatchActivationCallback> {
    (!held.is_empty()).then(|| -> PatchActivationCallback {
        Arc::new(move |input| !held.contains(input.patch_id.as_str()))
    })
}
