//! R15 over a whole Meta POST: one notification carries several effects; the answer is 2xx only
//! when every one of them is durable, and Meta's redelivery of the same bytes lands each of them
//! exactly once.

use super::{
    CAMPAIGN_TIMEOUT, eventually, interactions_with_id, message_1_by_contact, message_1_status,
    message_2_count, meta_envelope, meta_notification, meta_reply, meta_status, open_window,
    post_event, wait_recorded,
};
use campaign_tests::TestEnv;
use campaign_tests::fixtures::quick_retry_settings;
use campaign_tests::provider::Provider;
use reqwest::StatusCode;
use wa_sandbox::AcceptedRecord;

#[tokio::test]
async fn two_statuses_and_a_reply_refused_for_one_of_them_land_once_on_redelivery() {
    let mut temporal = campaign_tests::temporal::OwnTemporal::start()
        .await
        .unwrap();
    let env = TestEnv::start_on_provider(Provider::Meta, temporal.address(), 100, &[])
        .await
        .unwrap();
    let api = env.spawn_api().await.unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(2, quick_retry_settings(30.0))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    wait_recorded(&env, campaign_id, 2).await;
    let [replier, reader] = contact_ids[..] else {
        panic!("two contacts")
    };
    let mut message_1s = message_1_by_contact(&env, campaign_id);
    let (replier_message, reader_message) = (
        message_1s.remove(&replier).unwrap(),
        message_1s.remove(&reader).unwrap(),
    );

    // A status of a message of ours whose acceptance is not recorded (yet) cannot land: 503.
    let unrecorded = AcceptedRecord {
        id: "wamid.not-recorded-yet".to_owned(),
        reference: Some(super::message_1_reference(campaign_id, 999_999_999)),
        ..reader_message.clone()
    };
    let early = meta_envelope(vec![meta_status(&unrecorded, "delivered")]);
    assert_eq!(
        post_event(&api, Provider::Meta, &early).await,
        StatusCode::SERVICE_UNAVAILABLE
    );

    // The reply between the two statuses cannot be signalled while Temporal is down.
    open_window(&env, &replier_message.phone);
    let reply_id = format!("wamid.batched-reply-{replier}");
    let notification = meta_notification(vec![
        vec![meta_status(&replier_message, "delivered")],
        vec![meta_reply(&replier_message, &reply_id)],
        vec![meta_status(&reader_message, "read")],
    ]);
    temporal.stop().await.unwrap();
    assert_eq!(
        post_event(&api, Provider::Meta, &notification).await,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(interactions_with_id(&env, &reply_id).await, 0);

    temporal.restart().await.unwrap();
    eventually("the redelivery accepted", || async {
        (post_event(&api, Provider::Meta, &notification).await == StatusCode::OK).then_some(())
    })
    .await;
    assert_eq!(
        post_event(&api, Provider::Meta, &notification).await,
        StatusCode::OK,
        "a further copy changes nothing"
    );

    assert_eq!(message_1_status(&env, campaign_id, reader).await, "read");
    let replier_status = message_1_status(&env, campaign_id, replier).await;
    assert!(
        ["delivered", "read"].contains(&replier_status.as_str()),
        "{replier_status}"
    );
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(interactions_with_id(&env, &reply_id).await, 1);
    assert_eq!(message_2_count(&env, campaign_id, replier), 1);
    assert_eq!(
        env.journey_state(campaign_id, replier).await,
        "message_2_sent"
    );
    assert_eq!(message_2_count(&env, campaign_id, reader), 0);
    assert_eq!(
        env.journey_state(campaign_id, reader).await,
        "no_interaction"
    );
    let receipts: Vec<String> = sqlx::query_scalar(
        "SELECT reference FROM provider_receipts WHERE reference LIKE $1 ORDER BY reference",
    )
    .bind(format!("campaign-{campaign_id}-contact-%-message_1"))
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    let mut expected = vec![
        replier_message.reference.clone().unwrap(),
        reader_message.reference.clone().unwrap(),
        unrecorded.reference.clone().unwrap(),
    ];
    expected.sort();
    assert_eq!(
        receipts, expected,
        "one receipt per message, however often redelivered"
    );
}
