//! The journey and webhook rules that matter, with one test body run on each provider: a reply
//! gets exactly one Message 2, silence none, a late reply is recorded late (R9), acks only move
//! forward (R7), a storm of duplicates is one interaction, and a webhook refused with a 5xx
//! while Temporal is down takes effect once when redelivered (R15).

use super::{
    CAMPAIGN_TIMEOUT, ack_event, eventually, interactions_with_id, message_1_by_contact,
    message_1_status, message_2_count, post_event, quiet_engine, reply, reply_event, wait_recorded,
};
use campaign_tests::fixtures::quick_retry_settings;
use campaign_tests::provider::Provider;
use campaign_tests::{TestEnv, campaign_counters};
use reqwest::StatusCode;

#[tokio::test]
async fn a_reply_gets_one_message_2_silence_none_and_a_late_reply_is_recorded_late() {
    for provider in Provider::ALL {
        reply_silence_and_late_reply(provider).await;
    }
}

async fn reply_silence_and_late_reply(provider: Provider) {
    let (env, api) = quiet_engine(provider).await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(3, quick_retry_settings(3.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 3).await;
    let message_1s = message_1_by_contact(&env, campaign_id);
    let [replier, silent, late] = contact_ids[..] else {
        panic!("three contacts")
    };

    assert_eq!(
        reply(
            &env,
            &api,
            &message_1s[&replier],
            &format!("reply-{replier}")
        )
        .await,
        StatusCode::OK,
        "{provider:?}"
    );
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert_eq!(
        env.journey_state(campaign_id, replier).await,
        "message_2_sent",
        "{provider:?}"
    );
    assert_eq!(
        message_2_count(&env, campaign_id, replier),
        1,
        "{provider:?}"
    );
    for contact_id in [silent, late] {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "no_interaction",
            "{provider:?}"
        );
    }

    // After its 3 s window: recorded as late, twice delivered yet counted once, no Message 2.
    let late_id = format!("late-reply-{late}");
    for _ in 0..2 {
        assert_eq!(
            reply(&env, &api, &message_1s[&late], &late_id).await,
            StatusCode::OK,
            "{provider:?}"
        );
    }
    eventually("the late reply refines no_interaction", || async {
        (env.journey_state(campaign_id, late).await == "late_interaction").then_some(())
    })
    .await;
    assert_eq!(
        interactions_with_id(&env, &late_id).await,
        1,
        "{provider:?}"
    );
    let within_window: bool =
        sqlx::query_scalar("SELECT within_window FROM interactions WHERE provider_message_id = $1")
            .bind(&late_id)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    assert!(!within_window, "{provider:?}");
    assert_eq!(message_2_count(&env, campaign_id, late), 0, "{provider:?}");
    assert_eq!(
        message_2_count(&env, campaign_id, silent),
        0,
        "{provider:?}"
    );
    assert_eq!(
        env.sandbox.accepted().len(),
        4,
        "three Message 1 and one Message 2"
    );
    for (name, stored, recount) in campaign_counters(env.store.pool(), campaign_id)
        .await
        .unwrap()
    {
        assert_eq!(stored, recount, "{provider:?}: counter {name}");
    }
}

#[tokio::test]
async fn acks_move_forward_only_and_read_may_come_without_delivered() {
    for provider in Provider::ALL {
        forward_only_acks(provider).await;
    }
}

async fn forward_only_acks(provider: Provider) {
    let (env, api) = quiet_engine(provider).await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(2.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 1).await;
    let contact_id = contact_ids[0];
    let message_1 = message_1_by_contact(&env, campaign_id)
        .remove(&contact_id)
        .unwrap();

    for ack in ["read", "delivered", "sent", "delivered"] {
        assert_eq!(
            post_event(&api, provider, &ack_event(provider, &message_1, ack)).await,
            StatusCode::OK,
            "{provider:?} {ack}"
        );
        assert_eq!(
            message_1_status(&env, campaign_id, contact_id).await,
            "read",
            "{provider:?}: after {ack}"
        );
    }
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        message_1_status(&env, campaign_id, contact_id).await,
        "read"
    );
}

#[tokio::test]
async fn fifty_concurrent_copies_of_a_reply_send_one_message_2() {
    for provider in Provider::ALL {
        duplicate_storm(provider).await;
    }
}

async fn duplicate_storm(provider: Provider) {
    let (env, api) = quiet_engine(provider).await;
    let (campaign_id, contact_ids) = env
        .draft_campaign(2, quick_retry_settings(5.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 2).await;
    let contact_id = contact_ids[0];
    let message_1 = message_1_by_contact(&env, campaign_id)
        .remove(&contact_id)
        .unwrap();
    let id = format!("storm-{contact_id}");
    super::open_window(&env, &message_1.phone);
    let event = reply_event(provider, &message_1, &id);

    let answers =
        futures::future::join_all((0..50).map(|_| post_event(&api, provider, &event))).await;

    assert!(
        answers.iter().all(|status| *status == StatusCode::OK),
        "{provider:?}: {answers:?}"
    );
    // Once the campaign is over nothing more can be sent, so the count below is final.
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        message_2_count(&env, campaign_id, contact_id),
        1,
        "{provider:?}"
    );
    assert_eq!(interactions_with_id(&env, &id).await, 1, "{provider:?}");
    assert_eq!(
        env.journey_state(campaign_id, contact_id).await,
        "message_2_sent"
    );
    assert_eq!(
        env.journey_state(campaign_id, contact_ids[1]).await,
        "no_interaction"
    );
}

#[tokio::test]
async fn a_reply_refused_with_503_while_temporal_is_down_lands_once_when_redelivered() {
    for provider in Provider::ALL {
        webhook_outage(provider).await;
    }
}

async fn webhook_outage(provider: Provider) {
    let mut temporal = campaign_tests::temporal::OwnTemporal::start()
        .await
        .unwrap();
    let env = TestEnv::start_on_provider(provider, temporal.address(), 100, &[])
        .await
        .unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, quick_retry_settings(30.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 1).await;
    let contact_id = contact_ids[0];
    let message_1 = message_1_by_contact(&env, campaign_id)
        .remove(&contact_id)
        .unwrap();
    let id = format!("outage-{contact_id}");
    super::open_window(&env, &message_1.phone);
    let event = reply_event(provider, &message_1, &id);

    temporal.stop().await.unwrap();
    assert_eq!(
        post_event(&api, provider, &event).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "{provider:?}"
    );

    temporal.restart().await.unwrap();
    // The provider redelivers until it gets a 2xx; a further copy changes nothing.
    eventually("a redelivery accepted", || async {
        (post_event(&api, provider, &event).await == StatusCode::OK).then_some(())
    })
    .await;
    assert_eq!(post_event(&api, provider, &event).await, StatusCode::OK);
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        env.journey_state(campaign_id, contact_id).await,
        "message_2_sent",
        "{provider:?}"
    );
    assert_eq!(
        message_2_count(&env, campaign_id, contact_id),
        1,
        "{provider:?}"
    );
    assert_eq!(interactions_with_id(&env, &id).await, 1, "{provider:?}");
}
