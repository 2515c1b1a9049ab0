//! Meta's per-user marketing limit (131049) ends a journey `limited`, counted apart from
//! `failed`; a Message 2 refused for a closed customer-service window (131047) goes again as the
//! campaign's `message_2_template`, or fails with that reason when the campaign has none.

use super::{
    CAMPAIGN_TIMEOUT, eventually, message_1_by_contact, message_2_reference, meta_engine,
    post_event, reply_event, scalar, sends_with_reference, wait_recorded,
};
use campaign_domain::AuditAction;
use campaign_store::campaigns::CampaignChanges;
use campaign_tests::TestEnv;
use campaign_tests::api::call;
use campaign_tests::fixtures::quick_retry_settings;
use campaign_tests::provider::{Provider, spring_offer};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use wa_sandbox::{MetaErrorCode, SendEndpoint};

#[tokio::test]
async fn ecosystem_limit_131049_ends_the_journey_limited_counted_apart() {
    let (env, api) = meta_engine().await;
    env.sandbox
        .meta_fail_next(MetaErrorCode::EcosystemEngagement, 1);
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(2.0))
        .await
        .unwrap();
    let contact_id = contact_ids[0];

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert_eq!(env.journey_state(campaign_id, contact_id).await, "limited");
    let attempts: i32 = scalar(
        &env,
        "SELECT attempts FROM messages WHERE campaign_id = $1",
        campaign_id,
    )
    .await;
    assert_eq!(attempts, 1, "never retried inside the campaign");
    assert!(env.sandbox.accepted().is_empty());
    let (status, stats) = call(api.get(&format!("/campaigns/{campaign_id}/stats"))).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["limited"], 1, "{stats}");
    assert_eq!(stats["failed"], 0, "{stats}");
    // Neither the contact's fault nor a ban: it stays eligible for later campaigns.
    let (verified, opted_out_at): (Option<bool>, Option<DateTime<Utc>>) =
        sqlx::query_as("SELECT whatsapp_verified, opted_out_at FROM contacts WHERE id = $1")
            .bind(contact_id)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    assert_ne!(verified, Some(false));
    assert_eq!(opted_out_at, None);
}

/// The English `spring_offer`, as the campaign's Message 2 template.
fn english_offer() -> campaign_domain::TemplateMessage {
    campaign_domain::TemplateMessage {
        language: "en".to_owned(),
        ..spring_offer()
    }
}

#[tokio::test]
async fn a_message_2_refused_for_a_closed_window_131047_goes_as_the_fallback_template() {
    let (env, api) = meta_engine().await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(5.0))
        .await
        .unwrap();
    env.store
        .update_draft_campaign(
            campaign_id,
            CampaignChanges {
                message_2_template: Some(Some(english_offer())),
                ..CampaignChanges::default()
            },
            &TestEnv::operator().entry(AuditAction::CampaignUpdate),
        )
        .await
        .unwrap();
    let contact_id = contact_ids[0];
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 1).await;
    let message_1 = message_1_by_contact(&env, campaign_id)
        .remove(&contact_id)
        .unwrap();

    // A reply the sandbox never saw: its window stays closed, so the text Message 2 is
    // accepted, then fails by webhook with 131047.
    let reply = reply_event(Provider::Meta, &message_1, "wamid.reply-window-closed");
    assert_eq!(
        post_event(&api, Provider::Meta, &reply).await,
        StatusCode::OK
    );
    let fallback_reference = format!(
        "{}-window-fallback",
        message_2_reference(campaign_id, contact_id)
    );
    eventually("the fallback template sent", || async {
        (sends_with_reference(&env, &fallback_reference) == 1).then_some(())
    })
    .await;
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let accepted = env.sandbox.accepted();
    let text = accepted
        .iter()
        .find(|record| {
            record.reference.as_deref() == Some(&message_2_reference(campaign_id, contact_id))
        })
        .expect("the text Message 2 was accepted first");
    assert!(text.template.is_none());
    let fallbacks: Vec<_> = accepted
        .iter()
        .filter(|record| record.reference.as_deref() == Some(fallback_reference.as_str()))
        .collect();
    assert_eq!(fallbacks.len(), 1, "sent again once");
    let template = fallbacks[0].template.as_ref().expect("a template");
    assert_eq!(
        (template.name.as_str(), template.language.as_str()),
        ("spring_offer", "en")
    );
    assert_eq!(fallbacks[0].endpoint, SendEndpoint::MetaMarketingMessages);
    assert_eq!(
        env.journey_state(campaign_id, contact_id).await,
        "message_2_sent"
    );
    let fallback_id: Option<String> = scalar(
        &env,
        "SELECT window_fallback_provider_id FROM messages WHERE campaign_id = $1 \
         AND message_type = 'message_2'",
        campaign_id,
    )
    .await;
    assert_eq!(fallback_id.as_deref(), Some(fallbacks[0].id.as_str()));
}

#[tokio::test]
async fn without_a_fallback_template_a_closed_window_fails_message_2_with_its_reason() {
    let (env, api) = meta_engine().await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(5.0))
        .await
        .unwrap();
    let contact_id = contact_ids[0];
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 1).await;
    let message_1 = message_1_by_contact(&env, campaign_id)
        .remove(&contact_id)
        .unwrap();

    let reply = reply_event(Provider::Meta, &message_1, "wamid.reply-no-fallback");
    assert_eq!(
        post_event(&api, Provider::Meta, &reply).await,
        StatusCode::OK
    );
    let error = eventually("Message 2 failed", || async {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT status, error FROM messages WHERE campaign_id = $1 AND message_type = 'message_2'",
        )
        .bind(campaign_id)
        .fetch_optional(env.store.pool())
        .await
        .unwrap();
        row.filter(|(status, _)| status == "failed").map(|(_, error)| error)
    })
    .await;
    assert!(
        error
            .as_deref()
            .is_some_and(|error| error.contains(campaign_domain::sending::WINDOW_CLOSED_REASON)),
        "{error:?}"
    );
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        sends_with_reference(&env, &message_2_reference(campaign_id, contact_id)),
        1,
        "no second try of a closed window"
    );
}
