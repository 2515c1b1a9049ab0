//! Fan-out benchmark: one campaign of N contacts (default 100,000) with pacing off, no replies
//! and a 1-second window against the sandbox. Printed: journeys started per second (every
//! journey past `queued`) and completed per second (the campaign completed), the state
//! transitions of a sample of journeys, the largest history of any parent run, the worker's peak
//! RSS, whether the campaign's counters equal a recount, and, measured in the same run on the
//! same server, the rate at which the Temporal client alone starts workflows no worker polls
//! (the engine's ceiling), with the ratios of the two. Those workflows are terminated before the
//! campaign starts, so the server does not time them out during it. Figures, not assertions:
//! `make bench-fanout`.
//!
//! Usage: `bench-fanout [--contacts N] [--baseline M]` (defaults 100000 and 3000).

use crate::journey_cost;
use anyhow::Context;
use campaign_domain::{CampaignState, SendPolicy};
use campaign_tests::TestEnv;
use campaign_workflows::{ContactJourney, JourneyInput, TaskQueues};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::time::{Duration, Instant};
use temporalio_client::{WorkflowListOptions, WorkflowStartOptions, WorkflowTerminateOptions};

/// Concurrent start requests of the baseline, like a busy client.
const START_CONCURRENCY: usize = 64;

#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    let (contacts, baseline) = parse_args()?;
    let env = TestEnv::start_with_limit(i32::try_from(contacts * 2)?).await?;

    let baseline_rate = client_start_rate(&env, baseline).await?;
    println!("client alone: {baseline} workflow starts at {baseline_rate:.0}/s");

    let (campaign_id, contact_ids) = env
        .draft_campaign(
            contacts,
            json!({
                "interaction_window_secs": 1,
                "cutoff_secs": 86400,
                "send_interval_secs": 0,
                "batch_pause_secs": 0,
                "max_in_flight": 500,
                "retry_base_delay_secs": 1,
                "send_timeout_secs": 30,
            }),
        )
        .await?;
    println!(
        "bench-fanout: campaign of {contacts} contacts, window 1 s, pacing off, 500 in flight"
    );
    let launched = Instant::now();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await?;

    let mut all_started = None;
    let mut peak_rss_kib = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak_rss_kib = peak_rss_kib.max(
            env.worker_pids()
                .iter()
                .filter_map(|&pid| peak_rss(pid))
                .sum(),
        );
        let (started, finished): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE state <> 'queued'), count(*) FILTER (WHERE journey_state_is_final(state)) \
             FROM journeys WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await?;
        if all_started.is_none() && started as usize >= contacts {
            all_started = Some(launched.elapsed());
        }
        if env.store.campaign_status(campaign_id).await? == Some(CampaignState::Completed) {
            println!("journeys final: {finished}");
            break;
        }
    }
    let total = launched.elapsed();
    let all_started = all_started.unwrap_or(total);
    let start_rate = contacts as f64 / all_started.as_secs_f64();
    let completion_rate = contacts as f64 / total.as_secs_f64();
    let cost = journey_cost(&env, campaign_id, &contact_ids).await?;
    let drifted = campaign_tests::campaign_counters(env.store.pool(), campaign_id)
        .await?
        .into_iter()
        .filter(|(_, stored, recount)| stored != recount)
        .collect::<Vec<_>>();

    let runs: Vec<_> = env
        .client
        .list_workflows(
            format!(
                "WorkflowId = '{}'",
                campaign_domain::CampaignWorkflowId::new(campaign_id)
            ),
            WorkflowListOptions::default(),
        )
        .try_collect()
        .await?;
    let largest_history = runs
        .iter()
        .map(|run| run.history_length())
        .max()
        .unwrap_or(0);

    println!(
        "journeys started:      {contacts} in {:.1} s ({start_rate:.0}/s)",
        all_started.as_secs_f64()
    );
    println!(
        "journeys completed:    {contacts} in {:.1} s ({completion_rate:.0}/s)",
        total.as_secs_f64()
    );
    println!("journey cost:          {cost}");
    println!(
        "parent runs:           {} (largest history {largest_history} events)",
        runs.len()
    );
    println!(
        "worker peak RSS:       {:.0} MB",
        peak_rss_kib as f64 / 1024.0
    );
    println!(
        "counters vs recount:   {}",
        if drifted.is_empty() {
            "equal".to_owned()
        } else {
            format!("DIFFER {drifted:?}")
        }
    );
    println!(
        "ratio to client alone: {:.2} started, {:.2} completed",
        start_rate / baseline_rate,
        completion_rate / baseline_rate
    );
    println!("command:               bench-fanout --contacts {contacts} --baseline {baseline}");
    Ok(())
}

fn parse_args() -> anyhow::Result<(usize, usize)> {
    let (mut contacts, mut baseline) = (100_000, 3_000);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value: usize = args.next().context("a flag needs a number")?.parse()?;
        match flag.as_str() {
            "--contacts" => contacts = value,
            "--baseline" => baseline = value,
            _ => anyhow::bail!("usage: bench-fanout [--contacts N] [--baseline M]"),
        }
    }
    Ok((contacts, baseline))
}

/// Starts `count` workflows on a queue no worker polls: the server's and client's start rate
/// with no engine work behind it. Then terminates them, so that they cost the server nothing
/// during the fan-out.
async fn client_start_rate(env: &TestEnv, count: usize) -> anyhow::Result<f64> {
    let queue = format!("bench-empty-{}", uuid::Uuid::new_v4().simple());
    let input = JourneyInput {
        campaign_id: 0,
        contact_id: 0,
        interaction_window_ms: 0,
        send_policy: SendPolicy::default(),
        task_queues: TaskQueues {
            message_1: queue.clone(),
            message_2: queue.clone(),
        },
        pacing: None,
        quiet_hours: None,
    };
    let started = Instant::now();
    let handles = futures::stream::iter(0..count)
        .map(|i| {
            let options = WorkflowStartOptions::new(queue.clone(), format!("{queue}-{i}")).build();
            env.client
                .start_workflow(ContactJourney::run, input.clone(), options)
        })
        .buffer_unordered(START_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    let rate = count as f64 / started.elapsed().as_secs_f64();
    futures::stream::iter(handles)
        .map(|handle| async move {
            handle
                .terminate(
                    WorkflowTerminateOptions::builder()
                        .reason("bench-fanout baseline measured")
                        .build(),
                )
                .await
        })
        .buffer_unordered(START_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(rate)
}

/// Peak resident set size of a process, KiB (`VmHWM`).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
