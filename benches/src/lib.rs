//! The benchmarks, one module each (`journeys`, `fanout`, `api`; each binary only calls its
//! `main`), and what they share: their `--journeys` flag, their send policy, the way they start
//! many journeys at once, and how they read what a journey cost the server.

pub mod api;
pub mod fanout;
pub mod journeys;
pub mod report;
pub mod stages;

use anyhow::Context;
use campaign_domain::{JourneyWorkflowId, SendPolicy};
use campaign_tests::TestEnv;
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;
use temporalio_client::{UntypedWorkflow, WorkflowDescribeOptions};

/// The `--journeys N` flag of `program`'s command line, `default` when it is absent.
pub fn parse_journeys(program: &str, default: usize) -> anyhow::Result<usize> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(default),
        (Some("--journeys"), Some(n)) => n.parse().context("--journeys takes a number"),
        _ => anyhow::bail!("usage: {program} [--journeys N]"),
    }
}

/// Retries a second apart and a generous attempt timeout: a loaded machine slows sends, and the
/// benchmarks measure the engine, not its retries.
pub fn bench_policy() -> SendPolicy {
    SendPolicy {
        retry_base_delay_ms: 1_000,
        rate_limit_delay_ms: 1_000,
        attempt_timeout_ms: 30_000,
        ..SendPolicy::default()
    }
}

/// Starts the journey of each of `contact_ids` in the campaign, `concurrency` starts at a time.
pub async fn start_journeys(
    env: &TestEnv,
    campaign_id: i64,
    contact_ids: &[i64],
    window: Duration,
    policy: SendPolicy,
    concurrency: usize,
) -> anyhow::Result<()> {
    futures::stream::iter(contact_ids.iter().copied())
        .map(|contact_id| env.start_journey(campaign_id, contact_id, window, policy))
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

/// Journeys described for [`JourneyCost`]: enough for a stable mean, few enough to be quick.
const COST_SAMPLE: usize = 20;

/// What journeys cost the server, from `DescribeWorkflowExecution` (what `temporal workflow
/// describe` prints): persisted state transitions and history events, mean and max over a sample.
pub struct JourneyCost {
    pub sampled: usize,
    pub state_transitions_mean: f64,
    pub state_transitions_max: i64,
    pub history_events_mean: f64,
}

impl std::fmt::Display for JourneyCost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stateTransitionCount mean {:.1}, max {}; history {:.1} events (n = {})",
            self.state_transitions_mean,
            self.state_transitions_max,
            self.history_events_mean,
            self.sampled
        )
    }
}

/// Describes the journeys of the first [`COST_SAMPLE`] of `contact_ids` in the campaign.
pub async fn journey_cost(
    env: &TestEnv,
    campaign_id: i64,
    contact_ids: &[i64],
) -> anyhow::Result<JourneyCost> {
    let described: Vec<(i64, usize)> = futures::stream::iter(contact_ids.iter().take(COST_SAMPLE))
        .map(|&contact_id| async move {
            let id = JourneyWorkflowId::new(campaign_id, contact_id).to_string();
            let description = env
                .client
                .get_workflow_handle::<UntypedWorkflow>(id)
                .describe(WorkflowDescribeOptions::default())
                .await?;
            let info = description
                .raw()
                .workflow_execution_info
                .as_ref()
                .context("describe answered without execution info")?;
            anyhow::Ok((info.state_transition_count, description.history_length()))
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    let sampled = described.len().max(1);
    Ok(JourneyCost {
        sampled: described.len(),
        state_transitions_mean: described
            .iter()
            .map(|(count, _)| *count as f64)
            .sum::<f64>()
            / sampled as f64,
        state_transitions_max: described.iter().map(|(count, _)| *count).max().unwrap_or(0),
        history_events_mean: described
            .iter()
            .map(|(_, events)| *events as f64)
            .sum::<f64>()
            / sampled as f64,
    })
}
