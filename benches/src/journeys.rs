//! Journey benchmark: N contact journeys whose contacts all reply at once, through the sandbox.
//!
//! The sandbox answers every Message 1 immediately with a `message:in:new` webhook quoting it; a
//! small receiver here turns each reply into an `interaction` signal (what the API's webhook
//! bridge will do), and the journey sends Message 2. Printed: journeys per second from the first
//! start to the last Message 2, and the latency from interaction signal to Message 2 accepted by
//! the sandbox (p50, p99) with the stages it went through (`crate::stages`), and what
//! a replied journey cost the server (state transitions and
//! history events of a sample). Before that, on the still idle engine, a few single replies go
//! one at a time through the API's webhook, and the time from posting the webhook to Message 2
//! accepted by the sandbox is printed too. Figures, not assertions: run it with `make bench`.
//!
//! Usage: `bench-journeys [--journeys N]` (default 2000).

use crate::stages::{describe_tail, reply_stages};
use crate::{bench_policy, journey_cost, parse_journeys, start_journeys};
use campaign_domain::JourneyState;
use campaign_tests::api::WEBHOOK_SECRET;
use campaign_tests::{ReplyBridge, TestEnv, parse_reference, percentile};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};

const DEFAULT_JOURNEYS: usize = 2_000;
/// Journeys started concurrently by the client.
const START_CONCURRENCY: usize = 64;
/// Long enough that no journey's window closes during the run.
const WINDOW: Duration = Duration::from_secs(30 * 60);
/// Single replies measured on the idle engine, one after the other.
const IDLE_REPLIES: usize = 10;
/// Quiet time before each of them, so that none overlaps the previous one's work.
const IDLE_GAP: Duration = Duration::from_millis(500);

#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    let journeys = parse_journeys("bench-journeys", DEFAULT_JOURNEYS)?;
    let env = TestEnv::start_with_limit(i32::try_from(journeys * 3 + IDLE_REPLIES * 2)?).await?;

    let mut idle = idle_reply_latencies(&env).await?;
    idle.sort_by(f64::total_cmp);
    let bridge = ReplyBridge::attach(&env, 1.0).await?;

    let mut contact_ids = Vec::with_capacity(journeys);
    for i in 0..journeys {
        contact_ids.push(env.contact(&format!("Bench{i}")).await?.0);
    }
    let campaign_id = env.campaign(&contact_ids).await?;
    let policy = bench_policy();

    println!("bench-journeys: {journeys} journeys, replies through the sandbox, window {WINDOW:?}");
    let started = Instant::now();
    start_journeys(
        &env,
        campaign_id,
        &contact_ids,
        WINDOW,
        policy,
        START_CONCURRENCY,
    )
    .await?;
    let all_started = started.elapsed();

    let finished = wait_until_final(&env, campaign_id, journeys).await?;
    let elapsed = started.elapsed();

    let signalled = bridge.signalled();
    let accepted: HashMap<i64, DateTime<Utc>> = env
        .sandbox
        .accepted()
        .into_iter()
        .filter_map(|record| {
            let (_, contact_id) = parse_reference(record.reference.as_deref()?, "message_2")?;
            Some((contact_id, record.accepted_at))
        })
        .collect();
    let mut latencies_ms: Vec<f64> = accepted
        .iter()
        .filter_map(|(contact_id, accepted_at)| {
            let signal_at = signalled.get(contact_id)?;
            Some((*accepted_at - *signal_at).num_microseconds()? as f64 / 1_000.0)
        })
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    let stages = reply_stages(&env, campaign_id, &signalled, &accepted).await?;
    let message_2_sent: i64 =
        sqlx::query_scalar("SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = $2")
            .bind(campaign_id)
            .bind(JourneyState::Message2Sent.as_str())
            .fetch_one(env.store.pool())
            .await?;

    println!(
        "journeys started:            {journeys} in {:.2} s ({:.0}/s)",
        all_started.as_secs_f64(),
        journeys as f64 / all_started.as_secs_f64()
    );
    println!("journeys final:              {finished} ({message_2_sent} message_2_sent)");
    println!(
        "total time:                  {:.2} s",
        elapsed.as_secs_f64()
    );
    println!(
        "journeys per second:         {:.1}",
        finished as f64 / elapsed.as_secs_f64()
    );
    println!(
        "signal -> Message 2 accepted: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (n = {})",
        percentile(&latencies_ms, 0.50),
        percentile(&latencies_ms, 0.99),
        latencies_ms.last().copied().unwrap_or(f64::NAN),
        latencies_ms.len()
    );
    println!("{}", describe_tail(&stages));
    println!(
        "idle, webhook -> Message 2 accepted: p50 {:.0} ms, max {:.0} ms (n = {})",
        percentile(&idle, 0.50),
        idle.last().copied().unwrap_or(f64::NAN),
        idle.len()
    );
    println!(
        "journey cost:                {}",
        journey_cost(&env, campaign_id, &contact_ids).await?
    );
    println!("command:                     bench-journeys --journeys {journeys}");
    Ok(())
}

async fn wait_until_final(env: &TestEnv, campaign_id: i64, journeys: usize) -> anyhow::Result<i64> {
    let deadline = Instant::now() + Duration::from_secs(1_800);
    loop {
        let finished: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM journeys WHERE campaign_id = $1 AND journey_state_is_final(state)",
        )
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await?;
        if finished as usize >= journeys || Instant::now() > deadline {
            return Ok(finished);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends Message 1 to [`IDLE_REPLIES`] contacts, then posts a reply webhook for each, one at a
/// time on the otherwise idle engine, and times each from the post to its Message 2 accepted by
/// the sandbox (milliseconds).
async fn idle_reply_latencies(env: &TestEnv) -> anyhow::Result<Vec<f64>> {
    let api = env.spawn_api().await?;
    let mut contacts = Vec::with_capacity(IDLE_REPLIES);
    for i in 0..IDLE_REPLIES {
        contacts.push(env.contact(&format!("Idle{i}")).await?);
    }
    let contact_ids: Vec<i64> = contacts.iter().map(|(id, _)| *id).collect();
    let campaign_id = env.campaign(&contact_ids).await?;
    start_journeys(
        env,
        campaign_id,
        &contact_ids,
        WINDOW,
        bench_policy(),
        START_CONCURRENCY,
    )
    .await?;
    env.wait_for_accepted(IDLE_REPLIES).await?;
    let mut latencies = Vec::with_capacity(IDLE_REPLIES);
    for (contact_id, phone) in &contacts {
        tokio::time::sleep(IDLE_GAP).await;
        let id = format!("bench-idle-{contact_id}");
        let body = json!({
            "id": id,
            "event": "message:in:new",
            "created": chrono::Utc::now().timestamp(),
            "data": {
                "id": id,
                "type": "text",
                "flow": "inbound",
                "fromNumber": phone.as_str().trim_start_matches('+'),
                "toNumber": "+34600000000",
                "body": "Oui",
                "timestamp": chrono::Utc::now().timestamp(),
            },
        });
        let posted_at = chrono::Utc::now();
        let status = api
            .http
            .post(api.url("/webhooks/wassenger"))
            .header("X-Webhook-Secret", WEBHOOK_SECRET)
            .json(&body)
            .send()
            .await?
            .status();
        anyhow::ensure!(status.is_success(), "the webhook answered {status}");
        let deadline = Instant::now() + Duration::from_secs(60);
        let accepted_at = loop {
            let message_2 = env.sandbox.accepted().into_iter().find(|record| {
                record
                    .reference
                    .as_deref()
                    .and_then(|reference| parse_reference(reference, "message_2"))
                    == Some((campaign_id, *contact_id))
            });
            if let Some(record) = message_2 {
                break record.accepted_at;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "no Message 2 for contact {contact_id}"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        latencies.push(
            (accepted_at - posted_at)
                .num_microseconds()
                .unwrap_or(i64::MAX) as f64
                / 1_000.0,
        );
    }
    Ok(latencies)
}
