//! The launch checks Message 1's template against the catalog read from the business account:
//! a template missing in that language, not approved, or whose parameters do not match its
//! placeholders is a 422 naming the problem, and nothing starts (never 300 failed sends).

use super::{campaign, meta_engine};
use campaign_domain::{
    AuditAction, ParameterSource, TemplateComponent, TemplateMessage, TemplateParameter,
};
use campaign_store::campaigns::CampaignChanges;
use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, assert_error, call};
use campaign_tests::fixtures::quick_retry_settings;
use campaign_tests::provider::spring_offer;
use reqwest::StatusCode;
use wa_sandbox::TemplateStatus;

/// A draft whose Message 1 is `template`.
async fn draft_with(env: &TestEnv, template: TemplateMessage) -> i64 {
    let (campaign_id, _) = env
        .draft_campaign(2, quick_retry_settings(2.0))
        .await
        .unwrap();
    env.store
        .update_draft_campaign(
            campaign_id,
            CampaignChanges {
                message_1_template: Some(Some(template)),
                ..CampaignChanges::default()
            },
            &TestEnv::operator().entry(AuditAction::CampaignUpdate),
        )
        .await
        .unwrap();
    campaign_id
}

/// Asserts the launch is refused with a 422 whose message holds every one of `words`, and that
/// the campaign is still a draft with no journey and nothing sent.
async fn assert_refused(env: &TestEnv, api: &TestApi, campaign_id: i64, words: &[&str]) {
    let answer = call(api.post(&format!("/campaigns/{campaign_id}/send"))).await;
    assert_error(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    let message = answer.1["error"]["message"].as_str().unwrap();
    for word in words {
        assert!(message.contains(word), "{word:?} not in {message:?}");
    }
    assert_eq!(campaign(api, campaign_id).await["status"], "draft");
    let journeys: i64 = sqlx::query_scalar("SELECT count(*) FROM journeys WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    assert_eq!(journeys, 0);
    assert!(env.sandbox.accepted().is_empty());
}

#[tokio::test]
async fn the_launch_refuses_a_missing_an_unapproved_or_a_mismatched_template() {
    let (env, api) = meta_engine().await;

    let missing = draft_with(
        &env,
        TemplateMessage {
            name: "autumn_offer".to_owned(),
            ..spring_offer()
        },
    )
    .await;
    assert_refused(&env, &api, missing, &["autumn_offer", "catalog"]).await;

    let wrong_language = draft_with(
        &env,
        TemplateMessage {
            language: "de".to_owned(),
            ..spring_offer()
        },
    )
    .await;
    assert_refused(
        &env,
        &api,
        wrong_language,
        &["spring_offer", "\"de\"", "catalog"],
    )
    .await;

    let mut extra_body_parameter = spring_offer();
    extra_body_parameter.parameters.push(TemplateParameter {
        component: TemplateComponent::Body,
        name: None,
        source: ParameterSource::Text,
        text: Some("en trop".to_owned()),
    });
    let mismatched = draft_with(&env, extra_body_parameter).await;
    assert_refused(&env, &api, mismatched, &["spring_offer", "body", "1", "2"]).await;

    let mut without_header = spring_offer();
    without_header
        .parameters
        .retain(|parameter| parameter.component != TemplateComponent::Header);
    let no_header_parameter = draft_with(&env, without_header).await;
    assert_refused(&env, &api, no_header_parameter, &["spring_offer", "header"]).await;

    // Rejected by Meta: the status webhook updates the catalog the launch reads.
    env.sandbox
        .set_template_status(
            "spring_offer",
            "fr",
            TemplateStatus::Rejected,
            Some("INVALID_FORMAT"),
        )
        .unwrap();
    super::eventually("the catalog shows the rejection", || async {
        let (_, templates) = call(api.get("/templates")).await;
        templates
            .as_array()?
            .iter()
            .any(|t| {
                t["name"] == "spring_offer" && t["language"] == "fr" && t["status"] == "rejected"
            })
            .then_some(())
    })
    .await;
    let rejected = draft_with(&env, spring_offer()).await;
    assert_refused(
        &env,
        &api,
        rejected,
        &["spring_offer", "rejected", "not approved"],
    )
    .await;

    // Paused is not approved either.
    env.sandbox
        .set_template_status("spring_offer", "fr", TemplateStatus::Paused, None)
        .unwrap();
    super::eventually("the catalog shows the pause", || async {
        let (_, templates) = call(api.get("/templates")).await;
        templates
            .as_array()?
            .iter()
            .any(|t| {
                t["name"] == "spring_offer" && t["language"] == "fr" && t["status"] == "paused"
            })
            .then_some(())
    })
    .await;
    assert_refused(
        &env,
        &api,
        rejected,
        &["spring_offer", "paused", "not approved"],
    )
    .await;
}
