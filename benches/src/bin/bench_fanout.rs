//! Fan-out benchmark: one campaign of N contacts (default 100,000) with pacing off, no replies
//! and a 1-second window against the sandbox. Printed: journeys started per second, total time,
//! the largest history of any parent run, the worker's peak RSS, and, measured in the same run on
//! the same server, the rate at which the Temporal client alone starts workflows no worker polls
//! (the engine's ceiling), with the ratio of the two. Figures, not assertions: `make bench-fanout`.
//!
//! Usage: `bench-fanout [--contacts N] [--baseline M]` (defaults 100000 and 3000).

use anyhow::Context;
use campaign_domain::{CampaignState, SendPolicy};
use campaign_tests::TestEnv;
use campaign_workflows::{ContactJourney, JourneyInput, TaskQueues};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::time::{Duration, Instant};
use temporalio_client::{WorkflowListOptions, WorkflowStartOptions};

/// Concurrent start requests of the baseline, like a busy client.
const START_CONCURRENCY: usize = 64;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (contacts, baseline) = parse_args()?;
    let env = TestEnv::start_with_limit(i32::try_from(contacts * 2)?).await?;

    let baseline_rate = client_start_rate(&env, baseline).await?;
    println!("client alone: {baseline} workflow starts at {baseline_rate:.0}/s");

    let (campaign_id, _) = env
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
    env.engine().launch(campaign_id).await?;

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
    println!("total time:            {:.1} s", total.as_secs_f64());
    println!(
        "parent runs:           {} (largest history {largest_history} events)",
        runs.len()
    );
    println!(
        "worker peak RSS:       {:.0} MB",
        peak_rss_kib as f64 / 1024.0
    );
    println!("ratio to client alone: {:.2}", start_rate / baseline_rate);
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
/// with no engine work behind it. They time out on their own a minute later.
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
        report_to: None,
        pacing: None,
    };
    let started = Instant::now();
    futures::stream::iter(0..count)
        .map(|i| {
            let options = WorkflowStartOptions::new(queue.clone(), format!("{queue}-{i}"))
                .execution_timeout(Duration::from_secs(60))
                .build();
            env.client
                .start_workflow(ContactJourney::run, input.clone(), options)
        })
        .buffer_unordered(START_CONCURRENCY)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Peak resident set size of a process, KiB (`VmHWM`).
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
