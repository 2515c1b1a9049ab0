//! Scheduled launch (R20) end to end through the API: real Temporal (a server of the test's own
//! where it is restarted), real Postgres, the sandbox.

use campaign_domain::ScheduledLaunchWorkflowId;
use campaign_tests::TestEnv;
use campaign_tests::api::{ADMIN_EMAIL, TestApi, assert_error, call};
use campaign_tests::fixtures::unpaced_settings;
use campaign_tests::temporal::OwnTemporal;
use chrono::{DateTime, Duration as Span, SubsecRound, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long a scheduled campaign may take to show its launch once its time has come, through
/// restarts of the worker and Temporal.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(120);

async fn schedule(api: &TestApi, campaign_id: i64, at: DateTime<Utc>) -> (StatusCode, Value) {
    call(
        api.post(&format!("/campaigns/{campaign_id}/schedule"))
            .json(&json!({ "at": at.to_rfc3339() })),
    )
    .await
}

async fn campaign(api: &TestApi, campaign_id: i64) -> Value {
    let (status, body) = call(api.get(&format!("/campaigns/{campaign_id}"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Waits until the campaign's status is one of `statuses`, and returns the campaign.
async fn wait_for_status(api: &TestApi, campaign_id: i64, statuses: &[&str]) -> Value {
    let started = Instant::now();
    loop {
        let shown = campaign(api, campaign_id).await;
        if statuses.iter().any(|status| shown["status"] == *status) {
            return shown;
        }
        assert!(
            started.elapsed() < LAUNCH_TIMEOUT,
            "campaign still not {statuses:?}: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .to_utc()
}

/// The audit actions written for the campaign, oldest first.
async fn audited(env: &TestEnv, campaign_id: i64) -> Vec<(String, Option<String>)> {
    sqlx::query_as(
        "SELECT action, actor_label FROM audit_log WHERE target_type = 'campaign' AND target_id = $1 ORDER BY id",
    )
    .bind(campaign_id.to_string())
    .fetch_all(env.store.pool())
    .await
    .unwrap()
}

async fn journeys(env: &TestEnv, campaign_id: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM journeys WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_scheduled_campaign_launches_at_its_time_after_the_worker_and_temporal_restarted() {
    let mut temporal = OwnTemporal::start().await.unwrap();
    let mut env = TestEnv::start_on(temporal.address(), 100, &[])
        .await
        .unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, _) = env.draft_campaign(3, unpaced_settings(1.0)).await.unwrap();
    // Microseconds in the request: the schedule keeps milliseconds, what its workflow carries.
    let asked = Utc::now() + Span::seconds(15);
    let at = asked.trunc_subsecs(3);

    let (status, shown) = schedule(&api, campaign_id, asked).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["status"], "scheduled");
    assert_eq!(time(&shown["scheduled_at"]), at);
    // Scheduled is not editable, not deletable, not sendable, not schedulable again.
    let path = format!("/campaigns/{campaign_id}");
    assert_error(
        &call(api.put(&path).json(&json!({ "name": "renamed" }))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &call(api.delete(&path)).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &call(api.post(&format!("{path}/send"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &schedule(&api, campaign_id, at).await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // Everything that runs the schedule goes down and comes back before the time.
    env.kill_worker().await.unwrap();
    temporal.stop().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(campaign(&api, campaign_id).await["status"], "scheduled");
    temporal.restart().await.unwrap();
    env.spawn_worker().unwrap();

    let launched = wait_for_status(&api, campaign_id, &["running", "completed"]).await;
    assert!(time(&launched["started_at"]) >= at, "{launched}");
    assert_eq!(launched["total_contacts"], 3);
    assert_eq!(time(&launched["scheduled_at"]), at);
    env.wait_for_accepted(3).await.unwrap();
    let done = wait_for_status(&api, campaign_id, &["completed"]).await;
    assert_eq!(done["final_stats"]["no_interaction"], 3, "{done}");
    let message_1s: Vec<_> = env
        .sandbox
        .accepted()
        .into_iter()
        .filter(|record| {
            record
                .reference
                .as_deref()
                .and_then(|reference| campaign_tests::parse_reference(reference, "message_1"))
                .is_some_and(|(campaign, _)| campaign == campaign_id)
        })
        .collect();
    assert_eq!(message_1s.len(), 3, "one Message 1 per contact");
    let admin = Some(ADMIN_EMAIL.to_owned());
    assert_eq!(
        audited(&env, campaign_id).await,
        [
            ("campaign.schedule".to_owned(), admin.clone()),
            ("campaign.send".to_owned(), admin),
        ],
        "the launch is audited as the act of whoever scheduled it; refused calls left no row"
    );
    env.record_history(
        &ScheduledLaunchWorkflowId::new(campaign_id).to_string(),
        "scheduled-launch",
    )
    .await;
}

#[tokio::test]
async fn an_unscheduled_campaign_never_launches_and_can_be_scheduled_again() {
    let env = TestEnv::start().await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, _) = env.draft_campaign(2, unpaced_settings(1.0)).await.unwrap();
    let path = format!("/campaigns/{campaign_id}/schedule");

    for at in [Utc::now() - Span::seconds(1), Utc::now() + Span::days(91)] {
        assert_error(
            &schedule(&api, campaign_id, at).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
        );
    }
    assert_error(
        &call(api.post(&path).json(&json!({ "at": "tomorrow" }))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    assert_error(
        &call(api.delete(&path)).await,
        StatusCode::CONFLICT,
        "conflict",
    );
    assert_error(
        &schedule(&api, i64::MAX, Utc::now() + Span::hours(1)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    let at = Utc::now() + Span::seconds(4);
    assert_eq!(schedule(&api, campaign_id, at).await.0, StatusCode::OK);
    let (status, shown) = call(api.delete(&path)).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["status"], "draft");
    assert_eq!(shown["scheduled_at"], Value::Null);
    tokio::time::sleep((at - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(4))
        .await;
    assert_eq!(campaign(&api, campaign_id).await["status"], "draft");
    assert_eq!(journeys(&env, campaign_id).await, 0, "nothing launched");
    assert!(env.sandbox.accepted().is_empty(), "nothing sent");
    // A draft again: editable, and schedulable anew.
    let (status, _) = call(
        api.put(&format!("/campaigns/{campaign_id}"))
            .json(&json!({ "name": "rescheduled" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let again = Utc::now() + Span::seconds(2);
    assert_eq!(schedule(&api, campaign_id, again).await.0, StatusCode::OK);
    let launched = wait_for_status(&api, campaign_id, &["running", "completed"]).await;
    assert!(time(&launched["started_at"]) >= again, "{launched}");
    env.wait_for_accepted(2).await.unwrap();
    let actions: Vec<String> = audited(&env, campaign_id)
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(
        actions,
        [
            "campaign.schedule",
            "campaign.unschedule",
            "campaign.update",
            "campaign.schedule",
            "campaign.send"
        ]
    );
}

#[tokio::test]
async fn a_scheduled_launch_the_quota_refuses_fails_with_the_reason() {
    let env = TestEnv::start_with_limit(1).await.unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, _) = env.draft_campaign(2, unpaced_settings(1.0)).await.unwrap();

    // The quota is checked at the launch, not when scheduling.
    let (status, _) = schedule(&api, campaign_id, Utc::now() + Span::seconds(2)).await;
    assert_eq!(status, StatusCode::OK);
    let failed = wait_for_status(&api, campaign_id, &["failed", "running"]).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        failed["failure_reason"],
        "daily message limit: 1 sends left today, the audience needs 2"
    );
    assert_eq!(journeys(&env, campaign_id).await, 0);
    assert!(env.sandbox.accepted().is_empty(), "nothing sent");
    let actions: Vec<String> = audited(&env, campaign_id)
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(actions, ["campaign.schedule", "campaign.launch_failed"]);
    assert_error(
        &call(api.delete(&format!("/campaigns/{campaign_id}/schedule"))).await,
        StatusCode::CONFLICT,
        "conflict",
    );
}
