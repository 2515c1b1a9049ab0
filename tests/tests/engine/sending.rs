//! Pacing (R11), the circuit breaker (R13) and worker crashes, across campaigns and worker
//! processes: real Temporal, real Postgres, sandbox.

use campaign_tests::TestEnv;
use campaign_tests::fixtures::fast_settings;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(120);

/// How far below the interval two accepted sends may be. The clock spaces the *start* of each
/// provider call exactly; between the slot and the provider's stamp lie one transaction (counting
/// the attempt) and the HTTP request, whose latency on this 2-core machine with a durable
/// Postgres (fsync on) varies by up to a few tens of milliseconds. Unpaced sends are a few
/// milliseconds apart, so the assertions still tell pacing from none.
const PACING_TOLERANCE_MS: i64 = 50;

fn message_1_times(env: &TestEnv) -> Vec<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = env
        .sandbox
        .accepted()
        .into_iter()
        .filter(|record| {
            record
                .reference
                .as_deref()
                .is_some_and(|r| r.ends_with("message_1"))
        })
        .map(|record| record.accepted_at)
        .collect();
    times.sort();
    times
}

fn gaps_ms(times: &[DateTime<Utc>]) -> Vec<i64> {
    times
        .windows(2)
        .map(|pair| (pair[1] - pair[0]).num_milliseconds())
        .collect()
}

#[tokio::test]
async fn message_1_sends_are_paced_across_campaigns_and_workers() {
    let mut env = TestEnv::start().await.unwrap();
    env.spawn_worker().unwrap();
    let mut paced = fast_settings(1.0, 20);
    paced["send_interval_secs"] = json!(0.2);
    paced["batch_size"] = json!(1000);
    let (first, _) = env.draft_campaign(10, paced.clone()).await.unwrap();
    let (second, _) = env.draft_campaign(10, paced).await.unwrap();

    let engine = env.engine();
    engine.launch(first, &TestEnv::operator()).await.unwrap();
    engine.launch(second, &TestEnv::operator()).await.unwrap();
    env.campaign_result(first, CAMPAIGN_TIMEOUT).await.unwrap();
    env.campaign_result(second, CAMPAIGN_TIMEOUT).await.unwrap();

    let times = message_1_times(&env);
    assert_eq!(times.len(), 20);
    let gaps = gaps_ms(&times);
    let closest = *gaps.iter().min().unwrap();
    assert!(
        closest >= 200 - PACING_TOLERANCE_MS,
        "two Message 1 only {closest} ms apart: {gaps:?}"
    );
}

#[tokio::test]
async fn a_campaign_pauses_after_each_batch() {
    let env = TestEnv::start().await.unwrap();
    let mut paced = fast_settings(1.0, 20);
    paced["send_interval_secs"] = json!(0.1);
    paced["batch_size"] = json!(3);
    paced["batch_pause_secs"] = json!(1);
    let (campaign_id, _) = env.draft_campaign(7, paced).await.unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let gaps = gaps_ms(&message_1_times(&env));
    assert_eq!(gaps.len(), 6);
    for (index, gap) in gaps.iter().enumerate() {
        let pause_follows_batch = index == 2 || index == 5;
        let least = if pause_follows_batch { 1_100 } else { 100 } - PACING_TOLERANCE_MS;
        assert!(*gap >= least, "gap {index} is {gap} ms: {gaps:?}");
    }
}

#[tokio::test]
async fn a_provider_429_pauses_all_sending_then_resumes_without_failing_anything() {
    let env = TestEnv::start_with(1_000, &[("BREAKER_PAUSE_SECS", "2")])
        .await
        .unwrap();
    env.sandbox.fail_next(429, 1).unwrap();
    let (campaign_id, _) = env.draft_campaign(5, fast_settings(1.0, 1)).await.unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let states: Vec<String> =
        sqlx::query_scalar("SELECT state FROM journeys WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(env.store.pool())
            .await
            .unwrap();
    assert!(
        states.iter().all(|s| s == "no_interaction"),
        "nothing failed: {states:?}"
    );
    let paused_until: DateTime<Utc> =
        sqlx::query_scalar("SELECT paused_until FROM sending_circuit")
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    let times = message_1_times(&env);
    assert_eq!(times.len(), 5);
    // The 429 came first; every accepted send left after the pause ended.
    assert!(
        times[0] >= paused_until,
        "a send left at {} during the pause ending {paused_until}",
        times[0]
    );
    let attempts: Vec<i32> =
        sqlx::query_scalar("SELECT attempts FROM messages WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(env.store.pool())
            .await
            .unwrap();
    assert!(
        attempts.iter().all(|&a| a == 1),
        "a rate limit is not a used attempt: {attempts:?}"
    );
}

#[tokio::test]
async fn a_worker_killed_mid_campaign_leaves_no_duplicate_and_no_missing_send() {
    let mut env = TestEnv::start().await.unwrap();
    env.spawn_worker().unwrap();
    env.sandbox
        .set_faults(wa_sandbox::Faults {
            latency_ms: 100,
            ..Default::default()
        })
        .unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(60, fast_settings(1.0, 10))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(10).await.unwrap();

    env.kill_worker().await.unwrap();
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let mut sends_per_phone: HashMap<String, usize> = HashMap::new();
    for record in env.sandbox.accepted() {
        *sends_per_phone.entry(record.phone).or_default() += 1;
    }
    assert_eq!(
        sends_per_phone.len(),
        contact_ids.len(),
        "every contact got Message 1"
    );
    assert!(
        sends_per_phone.values().all(|&n| n == 1),
        "no duplicate: {sends_per_phone:?}"
    );
    let final_journeys: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'no_interaction'",
    )
    .bind(campaign_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(final_journeys, 60);
}
