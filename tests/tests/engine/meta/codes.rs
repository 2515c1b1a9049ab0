//! Each of Meta's error codes leads to its own outcome, end to end through the sandbox's Cloud
//! API (answered at send time, or by a `failed` status webhook): SPEC §7's table.

use super::{CAMPAIGN_TIMEOUT, campaign, eventually, meta_engine, point_webhooks, scalar};
use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, call};
use campaign_tests::fixtures::{fast_settings, quick_retry_settings};
use campaign_tests::provider::Provider;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::json;
use wa_sandbox::MetaErrorCode;

/// An engine on Meta whose worker gets `worker_env`, webhooks pointed at its API.
async fn meta_engine_with(worker_env: &[(&str, &str)]) -> (TestEnv, TestApi) {
    let env = TestEnv::start_on_provider(
        Provider::Meta,
        campaign_tests::temporal_address(),
        1_000,
        worker_env,
    )
    .await
    .unwrap();
    let api = env.spawn_api().await.unwrap();
    point_webhooks(&env, &api);
    (env, api)
}

#[tokio::test]
async fn undeliverable_131026_fails_the_journey_and_marks_the_contact_not_on_whatsapp() {
    let (env, api) = meta_engine().await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(2, quick_retry_settings(5.0))
        .await
        .unwrap();
    let [unreachable, reachable] = contact_ids[..] else {
        panic!("two contacts")
    };
    env.sandbox
        .set_meta_async_failure(
            &env.phone_of(unreachable).await,
            Some(MetaErrorCode::MessageUndeliverable),
        )
        .unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert_eq!(env.journey_state(campaign_id, unreachable).await, "failed");
    assert_eq!(
        env.journey_state(campaign_id, reachable).await,
        "no_interaction"
    );
    let verified: Option<bool> = scalar(
        &env,
        "SELECT whatsapp_verified FROM contacts WHERE id = $1",
        unreachable,
    )
    .await;
    assert_eq!(verified, Some(false));
    let reason: Option<String> = scalar(
        &env,
        "SELECT error FROM messages WHERE contact_id = $1 AND message_type = 'message_1'",
        unreachable,
    )
    .await;
    assert!(
        reason
            .as_deref()
            .is_some_and(|reason| reason.contains("131026")),
        "{reason:?}"
    );
    let category_ids = campaign(&api, campaign_id).await["category_ids"].clone();
    let (status, preview) = call(
        api.post("/campaigns/audience")
            .json(&json!({ "category_ids": category_ids })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["audience"], 2, "{preview}");
    assert_eq!(preview["not_on_whatsapp"], 1, "{preview}");
}

#[tokio::test]
async fn marketing_opt_out_131050_opts_the_contact_out_at_send_or_by_webhook() {
    let (env, _api) = meta_engine().await;
    // At send time: the Cloud API answers 131050.
    let (refused_campaign, refused_contacts) = env
        .draft_campaign(1, quick_retry_settings(2.0))
        .await
        .unwrap();
    env.sandbox
        .meta_fail_next(MetaErrorCode::MarketingOptedOut, 1);
    env.run_campaign(refused_campaign, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    // By webhook: the send is accepted, then a `failed` status carries 131050.
    let (failed_campaign, failed_contacts) = env
        .draft_campaign(1, quick_retry_settings(5.0))
        .await
        .unwrap();
    env.sandbox
        .set_meta_async_failure(
            &env.phone_of(failed_contacts[0]).await,
            Some(MetaErrorCode::MarketingOptedOut),
        )
        .unwrap();
    env.run_campaign(failed_campaign, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    for (campaign_id, contact_id) in [
        (refused_campaign, refused_contacts[0]),
        (failed_campaign, failed_contacts[0]),
    ] {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "opted_out",
            "campaign {campaign_id}"
        );
        let opted_out_at: Option<DateTime<Utc>> = scalar(
            &env,
            "SELECT opted_out_at FROM contacts WHERE id = $1",
            contact_id,
        )
        .await;
        assert!(opted_out_at.is_some(), "contact {contact_id}");
    }
    assert_eq!(
        env.sandbox.accepted().len(),
        1,
        "only the send refused by webhook was accepted"
    );
    env.record_journey(
        failed_campaign,
        failed_contacts[0],
        "journey-message-1-undelivered",
    )
    .await;
}

#[tokio::test]
async fn throughput_130429_trips_the_breaker_and_fails_nothing() {
    let (env, _api) = meta_engine_with(&[("BREAKER_PAUSE_SECS", "2")]).await;
    env.sandbox.meta_fail_next(MetaErrorCode::RateLimitHit, 1);
    let (campaign_id, contact_ids) = env.draft_campaign(3, fast_settings(1.0, 1)).await.unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    for &contact_id in &contact_ids {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "no_interaction"
        );
    }
    let paused_until: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT paused_until FROM sending_circuit")
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    let paused_until = paused_until.expect("the rate limit paused every send (R13)");
    let first_accepted = env
        .sandbox
        .accepted()
        .iter()
        .map(|record| record.accepted_at)
        .min()
        .unwrap();
    assert!(
        first_accepted >= paused_until,
        "a send left at {first_accepted} during the pause ending {paused_until}"
    );
    let attempts: Vec<i32> =
        sqlx::query_scalar("SELECT attempts FROM messages WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_all(env.store.pool())
            .await
            .unwrap();
    assert!(
        attempts.iter().all(|&attempts| attempts == 1),
        "a rate limit is not a used attempt: {attempts:?}"
    );
}

#[tokio::test]
async fn an_expired_token_190_marks_the_provider_down_and_pauses_until_resumed() {
    let (env, api) = meta_engine().await;
    env.sandbox
        .meta_fail_next(MetaErrorCode::AccessTokenExpired, 1);
    let (campaign_id, contact_ids) = env
        .draft_campaign(2, quick_retry_settings(1.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();

    let health = eventually("health reports the provider down", || async {
        let (_, health) = call(api.http.get(api.url("/health"))).await;
        (health["provider"] == "down").then_some(health)
    })
    .await;
    assert!(
        health["provider_reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("190")),
        "{health}"
    );
    let paused = campaign(&api, campaign_id).await;
    assert!(paused["paused_reason"].is_string(), "{paused}");

    let (status, resumed) = call(api.post(&format!("/campaigns/{campaign_id}/resume"))).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert!(resumed["paused_reason"].is_null(), "{resumed}");
    let (_, health) = call(api.http.get(api.url("/health"))).await;
    assert_eq!(health["provider"], "up", "{health}");
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    for &contact_id in &contact_ids {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "no_interaction",
            "nothing failed while paused"
        );
    }
    assert_eq!(env.sandbox.accepted().len(), 2, "one Message 1 each");
}

#[tokio::test]
async fn an_unknown_error_131000_is_retried_until_sent() {
    let (env, _api) = meta_engine().await;
    env.sandbox
        .meta_fail_next(MetaErrorCode::SomethingWentWrong, 2);
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(1.0))
        .await
        .unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert_eq!(
        env.journey_state(campaign_id, contact_ids[0]).await,
        "no_interaction"
    );
    let attempts: i32 = scalar(
        &env,
        "SELECT attempts FROM messages WHERE campaign_id = $1",
        campaign_id,
    )
    .await;
    assert_eq!(attempts, 3, "two 131000 answers, then the send");
    assert_eq!(env.sandbox.accepted().len(), 1);
}
