//! A template Meta pauses, by a send's 132015 or by its `message_template_status_update`
//! webhook, pauses the campaigns that use it with the reason in the console; their sends wait,
//! failing nobody, until an operator resumes them once the template is approved again.

use super::{CAMPAIGN_TIMEOUT, campaign, eventually, meta_engine, sends_with_reference};
use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, call};
use campaign_tests::fixtures::quick_retry_settings;
use reqwest::StatusCode;
use serde_json::Value;
use wa_sandbox::TemplateStatus;

/// Waits until the API shows the campaign paused, and returns it.
async fn paused_campaign(api: &TestApi, campaign_id: i64) -> Value {
    eventually("the campaign paused", || async {
        let shown = campaign(api, campaign_id).await;
        shown["paused_reason"].is_string().then_some(shown)
    })
    .await
}

/// Waits until the API's catalog shows `spring_offer` in French with `status`.
async fn catalog_shows(api: &TestApi, status: &str) {
    eventually("the catalog updated by webhook", || async {
        let (_, templates) = call(api.get("/templates")).await;
        templates
            .as_array()?
            .iter()
            .any(|t| t["name"] == "spring_offer" && t["language"] == "fr" && t["status"] == status)
            .then_some(())
    })
    .await
}

async fn resume(api: &TestApi, campaign_id: i64) {
    let (status, resumed) = call(api.post(&format!("/campaigns/{campaign_id}/resume"))).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    assert!(resumed["paused_reason"].is_null(), "{resumed}");
}

#[tokio::test]
async fn a_send_answered_132015_pauses_the_campaign_until_resumed() {
    let (env, api) = meta_engine().await;
    // Paused at Meta without the engine hearing of it: the launch passes, the sends meet 132015.
    let webhook_url = env.sandbox.meta_settings().webhook_url;
    env.sandbox.set_meta_webhook_url(None);
    env.sandbox
        .set_template_status(
            "spring_offer",
            "fr",
            TemplateStatus::Paused,
            Some("LOW_QUALITY"),
        )
        .unwrap();
    env.sandbox.set_meta_webhook_url(webhook_url);
    let (campaign_id, contact_ids) = env
        .draft_campaign(3, quick_retry_settings(2.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();

    let paused = paused_campaign(&api, campaign_id).await;
    assert!(
        paused["paused_reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("spring_offer")),
        "the reason names the template: {paused}"
    );
    assert!(
        env.sandbox.accepted().is_empty(),
        "nothing left while paused"
    );
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM journeys WHERE campaign_id = $1 AND state = 'failed'",
    )
    .bind(campaign_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(failed, 0, "a pause fails nobody");

    env.sandbox
        .set_template_status("spring_offer", "fr", TemplateStatus::Approved, None)
        .unwrap();
    catalog_shows(&api, "approved").await;
    resume(&api, campaign_id).await;
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    for &contact_id in &contact_ids {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "no_interaction"
        );
        let reference = super::message_1_reference(campaign_id, contact_id);
        assert_eq!(
            sends_with_reference(&env, &reference),
            1,
            "contact {contact_id}"
        );
    }
}

#[tokio::test]
async fn the_status_webhook_pausing_a_template_pauses_its_running_campaigns() {
    let (env, api) = meta_engine().await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(20.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    super::wait_recorded(&env, campaign_id, 1).await;

    env.sandbox
        .set_template_status(
            "spring_offer",
            "fr",
            TemplateStatus::Paused,
            Some("LOW_QUALITY"),
        )
        .unwrap();

    catalog_shows(&api, "paused").await;
    let paused = paused_campaign(&api, campaign_id).await;
    assert!(
        paused["paused_reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("spring_offer")),
        "{paused}"
    );
    assert_eq!(
        paused["status"], "running",
        "paused is not stopped: {paused}"
    );

    env.sandbox
        .set_template_status("spring_offer", "fr", TemplateStatus::Approved, None)
        .unwrap();
    catalog_shows(&api, "approved").await;
    resume(&api, campaign_id).await;
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        env.journey_state(campaign_id, contact_ids[0]).await,
        "no_interaction"
    );
}
