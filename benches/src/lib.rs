//! What the benchmark binaries share: their `--journeys` flag, their send policy and the way they
//! start many journeys at once.

use anyhow::Context;
use campaign_domain::SendPolicy;
use campaign_tests::TestEnv;
use futures::StreamExt;
use std::time::Duration;

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
