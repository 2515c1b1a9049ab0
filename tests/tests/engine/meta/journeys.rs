//! Journeys on Meta: the template goes where Meta says marketing templates go, every kind of
//! reply gets exactly one Message 2, and nothing at all gets none.

use super::{
    CAMPAIGN_TIMEOUT, message_1_reference, message_2_reference, meta_engine, sends_with_reference,
};
use campaign_tests::fixtures::quick_retry_settings;
use std::time::Duration;
use wa_sandbox::{ReplyKind, SendEndpoint};

#[tokio::test]
async fn replies_of_every_kind_get_one_message_2_after_a_template_message_1() {
    let (env, _api) = meta_engine().await;
    let mut behaviour = env.sandbox.behaviour();
    behaviour.reply_probability = 1.0;
    behaviour.reply_delay = Duration::ZERO;
    behaviour.ack_delay = Duration::ZERO;
    behaviour.reply_types = vec![
        ReplyKind::Text,
        ReplyKind::Image,
        ReplyKind::Voice,
        ReplyKind::Reaction,
        ReplyKind::Button,
        ReplyKind::Interactive,
    ];
    env.sandbox.set_behaviour(behaviour);
    let (campaign_id, contact_ids) = env
        .draft_campaign(12, quick_retry_settings(30.0))
        .await
        .unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    for &contact_id in &contact_ids {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "message_2_sent",
            "contact {contact_id}"
        );
        let message_1 = message_1_reference(campaign_id, contact_id);
        let message_2 = message_2_reference(campaign_id, contact_id);
        assert_eq!(sends_with_reference(&env, &message_1), 1);
        assert_eq!(sends_with_reference(&env, &message_2), 1);
    }
    let accepted = env.sandbox.accepted();
    let templates: Vec<_> = accepted
        .iter()
        .filter(|record| record.template.is_some())
        .collect();
    assert_eq!(templates.len(), 12, "every Message 1 is the template");
    assert!(
        templates
            .iter()
            .all(|record| record.endpoint == SendEndpoint::MetaMarketingMessages),
        "a marketing template goes to /marketing_messages"
    );
    let template = templates[0].template.as_ref().unwrap();
    assert_eq!(template.name, "spring_offer");
    assert!(
        accepted
            .iter()
            .filter(|record| record.template.is_none())
            .all(|record| record.endpoint == SendEndpoint::MetaMessages),
        "Message 2 is text on /messages"
    );
}

#[tokio::test]
async fn no_reply_ends_no_interaction_and_statuses_move_forward() {
    let (env, _api) = meta_engine().await;
    let mut behaviour = env.sandbox.behaviour();
    behaviour.reply_probability = 0.0;
    behaviour.ack_delay = Duration::ZERO;
    env.sandbox.set_behaviour(behaviour);
    let (campaign_id, contact_ids) = env
        .draft_campaign(3, quick_retry_settings(3.0))
        .await
        .unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    for &contact_id in &contact_ids {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "no_interaction"
        );
    }
    let mut read = 0_i64;
    for _ in 0..50 {
        read = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE campaign_id = $1 AND status = 'read'",
        )
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        if read == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        read, 3,
        "signed status webhooks moved each Message 1 to read"
    );
    let receipts: i64 = sqlx::query_scalar("SELECT count(*) FROM provider_receipts")
        .fetch_one(env.store.pool())
        .await
        .unwrap();
    assert_eq!(
        receipts, 3,
        "one receipt per message, whatever its statuses"
    );
}
