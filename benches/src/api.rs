//! API benchmark: webhook throughput and latency against the raw Temporal `signal` rate, and
//! campaign statistics latency on a 100,000-contact campaign. Figures, not assertions: run it
//! with `make bench-api`.
//!
//! 1. `2 × N` journeys are started with a long window and send Message 1. Half get their
//!    `interaction` signal straight from the Temporal client (the ceiling), the other half get a
//!    Wassenger `message:in:new` webhook through the API, which parses, authenticates and signals.
//!    Same concurrency, same server, same run; the webhook half runs once the first half's
//!    Message 2 sends are done, so neither competes with the other's follow-ups.
//! 2. `GET /campaigns/{id}/stats` of a campaign with 100,000 journeys, requested at a fixed
//!    200 per second for 15 seconds.
//! 3. The same campaign's per-recipient report, `GET /campaigns/{id}/report.csv`, downloaded
//!    once: its time and the memory it took (`crate::report`).
//!
//! Usage: `bench-api [--journeys N]` (default 1000 per half).

use crate::{bench_policy, parse_journeys, start_journeys};
use campaign_domain::{MessageReference, MessageType};
use campaign_tests::api::{TestApi, WEBHOOK_SECRET};
use campaign_tests::{TestEnv, interaction, now_ms, percentile};
use campaign_workflows::ContactJourney;
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use temporalio_client::WorkflowSignalOptions;

const DEFAULT_JOURNEYS: usize = 1_000;
/// Requests in flight at once, for both halves.
const CONCURRENCY: usize = 32;
const WINDOW: Duration = Duration::from_secs(30 * 60);
const STATS_CONTACTS: i64 = 100_000;
const STATS_RATE: u64 = 200;
const STATS_DURATION: Duration = Duration::from_secs(15);

#[tokio::main]
pub async fn main() -> anyhow::Result<()> {
    let journeys = parse_journeys("bench-api", DEFAULT_JOURNEYS)?;
    let env = TestEnv::start_with_limit(i32::try_from(journeys * 5)?).await?;
    let api = env.spawn_api().await?;

    let mut contacts = Vec::with_capacity(2 * journeys);
    for i in 0..2 * journeys {
        contacts.push(env.contact(&format!("Bench{i}")).await?);
    }
    let contact_ids: Vec<i64> = contacts.iter().map(|(id, _)| *id).collect();
    let campaign_id = env.campaign(&contact_ids).await?;
    let policy = bench_policy();
    start_journeys(&env, campaign_id, &contact_ids, WINDOW, policy, 64).await?;
    wait_for_accepted(&env, 2 * journeys).await?;
    println!(
        "bench-api: {journeys} raw signals, then {journeys} webhooks, {CONCURRENCY} concurrent"
    );

    let (raw, webhook) = contacts.split_at(journeys);
    let started = Instant::now();
    futures::stream::iter(raw.iter())
        .map(|(contact_id, phone)| {
            let handle = env.client.get_workflow_handle::<ContactJourney>(
                campaign_domain::JourneyWorkflowId::new(campaign_id, *contact_id).to_string(),
            );
            let signal = interaction(&format!("raw-{contact_id}"), phone, now_ms());
            async move {
                handle
                    .signal(
                        ContactJourney::interaction,
                        signal,
                        WorkflowSignalOptions::default(),
                    )
                    .await
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let raw_rate = journeys as f64 / started.elapsed().as_secs_f64();
    wait_for_accepted(&env, 3 * journeys).await?;

    let started = Instant::now();
    let mut latencies_ms: Vec<f64> = futures::stream::iter(webhook.iter())
        .map(|(contact_id, phone)| webhook_reply(&api, campaign_id, *contact_id, phone.as_str()))
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let webhook_rate = journeys as f64 / started.elapsed().as_secs_f64();
    latencies_ms.sort_by(f64::total_cmp);
    println!("raw Temporal signal:   {raw_rate:.0}/s");
    println!(
        "webhook -> signal:     {webhook_rate:.0}/s, latency p50 {:.1} ms, p99 {:.1} ms",
        percentile(&latencies_ms, 0.50),
        percentile(&latencies_ms, 0.99)
    );
    println!("ratio:                 {:.2}", webhook_rate / raw_rate);

    let stats_campaign = large_campaign(&env).await?;
    let mut stats_ms = stats_latencies(&api, stats_campaign).await?;
    stats_ms.sort_by(f64::total_cmp);
    println!(
        "GET /campaigns/{{id}}/stats, {STATS_CONTACTS} contacts, {STATS_RATE}/s for {STATS_DURATION:?}: \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (n = {})",
        percentile(&stats_ms, 0.50),
        percentile(&stats_ms, 0.99),
        stats_ms.last().copied().unwrap_or(f64::NAN),
        stats_ms.len()
    );
    crate::report::measure(&api, stats_campaign).await?;
    Ok(())
}

/// Posts the reply Wassenger would send for this contact's Message 1; returns its latency.
async fn webhook_reply(
    api: &TestApi,
    campaign_id: i64,
    contact_id: i64,
    phone: &str,
) -> anyhow::Result<f64> {
    let reference =
        MessageReference::new(campaign_id, contact_id, MessageType::Message1).to_string();
    let body = json!({
        "id": format!("wh-{contact_id}"),
        "event": "message:in:new",
        "created": chrono::Utc::now().timestamp(),
        "data": {
            "id": format!("wh-{contact_id}"),
            "type": "text",
            "flow": "inbound",
            "fromNumber": phone,
            "body": "Oui",
            "timestamp": chrono::Utc::now().timestamp(),
            "quoted": { "id": "quoted", "reference": reference },
        },
    });
    let started = Instant::now();
    let response = api
        .http
        .post(api.url("/webhooks/wassenger"))
        .header("X-Webhook-Secret", WEBHOOK_SECRET)
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "webhook answered {}",
        response.status()
    );
    Ok(started.elapsed().as_secs_f64() * 1_000.0)
}

/// A campaign with 100,000 contacts, journeys and delivered Message 1s, written in bulk:
/// statistics must not depend on its size, and its report must stream. Their numbers are `+337…`, which the engine's other contacts (`+336…`) never use.
async fn large_campaign(env: &TestEnv) -> anyhow::Result<i64> {
    let pool = env.store.pool();
    let first_number: i64 = 700_000_000;
    sqlx::query(
        "INSERT INTO contacts (phone, first_name) \
         SELECT '+337' || ($1 + g), 'Stats' || g FROM generate_series(1, $2) g",
    )
    .bind(first_number)
    .bind(STATS_CONTACTS)
    .execute(pool)
    .await?;
    let contact_ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM contacts WHERE first_name LIKE 'Stats%'")
            .fetch_all(pool)
            .await?;
    let campaign_id = env.campaign(&contact_ids[..1]).await?;
    sqlx::query(
        "INSERT INTO journeys (campaign_id, contact_id, state) \
         SELECT $1, id, 'no_interaction' FROM contacts WHERE first_name LIKE 'Stats%' \
         ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .execute(pool)
    .await?;
    // Each has a delivered Message 1, so the report joins a message to every line.
    sqlx::query(
        "INSERT INTO messages (campaign_id, contact_id, message_type, content, status, sent_at, delivered_at) \
         SELECT $1, id, 'message_1', 'Hello', 'delivered', now(), now() FROM contacts \
         WHERE first_name LIKE 'Stats%' ON CONFLICT DO NOTHING",
    )
    .bind(campaign_id)
    .execute(pool)
    .await?;
    sqlx::query(
        "WITH campaign AS (UPDATE campaigns SET total_contacts = $2 WHERE id = $1) \
         INSERT INTO campaign_counters (campaign_id, shard, no_interaction) \
         SELECT $1, shard, $2 / 16 + (shard < $2 % 16)::int FROM generate_series(0, 15) shard \
         ON CONFLICT (campaign_id, shard) DO UPDATE SET no_interaction = EXCLUDED.no_interaction",
    )
    .bind(campaign_id)
    .bind(i32::try_from(STATS_CONTACTS)?)
    .execute(pool)
    .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(campaign_id)
}

/// Requests the statistics at a fixed rate (open loop) and returns each latency.
async fn stats_latencies(api: &TestApi, campaign_id: i64) -> anyhow::Result<Vec<f64>> {
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / STATS_RATE));
    let total = STATS_RATE * STATS_DURATION.as_secs();
    let mut requests = Vec::with_capacity(total as usize);
    for _ in 0..total {
        ticker.tick().await;
        let request = api.get(&format!("/campaigns/{campaign_id}/stats"));
        requests.push(tokio::spawn(async move {
            let started = Instant::now();
            let response = request.send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "stats answered {}",
                response.status()
            );
            response.bytes().await?;
            Ok(started.elapsed().as_secs_f64() * 1_000.0)
        }));
    }
    let mut latencies = Vec::with_capacity(requests.len());
    for request in requests {
        latencies.push(request.await??);
    }
    Ok(latencies)
}

async fn wait_for_accepted(env: &TestEnv, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(1_800);
    while env.sandbox.accepted().len() < count {
        anyhow::ensure!(
            Instant::now() < deadline,
            "fewer than {count} sends accepted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
