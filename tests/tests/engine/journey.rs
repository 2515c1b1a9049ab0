//! `ContactJourney` end to end: real Temporal dev server, real Postgres, the sandbox provider.

use campaign_domain::JourneyState;
use campaign_domain::{PhoneNumber, SendPolicy};
use campaign_tests::fixtures::{JourneyRow, MessageRow};
use campaign_tests::{
    FAST_RETRIES, TestEnv, fixtures, interaction, now_ms, outcome, signal, wait_for_state,
};
use campaign_workflows::{ContactJourney, JourneyStatus};
use std::time::Duration;
use temporalio_client::{Client, WorkflowHandle};

const LONG_WINDOW: Duration = Duration::from_secs(120);

async fn interactions_recorded(env: &TestEnv, campaign_id: i64, contact_id: i64) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE within_window) FROM interactions \
         WHERE campaign_id = $1 AND contact_id = $2",
    )
    .bind(campaign_id)
    .bind(contact_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap()
}

type Journey = WorkflowHandle<Client, ContactJourney>;

/// One contact enrolled alone in a running campaign, with its journey started: `(campaign id,
/// contact id, phone, journey)`.
async fn solo_journey(
    env: &TestEnv,
    first_name: &str,
    window: Duration,
    policy: SendPolicy,
) -> (i64, i64, PhoneNumber, Journey) {
    let (contact_id, phone) = env.contact(first_name).await.unwrap();
    let campaign_id = env.campaign(&[contact_id]).await.unwrap();
    let journey = env
        .start_journey(campaign_id, contact_id, window, policy)
        .await
        .unwrap();
    (campaign_id, contact_id, phone, journey)
}

/// Waits until the journey has sent Message 1 and waits for a reply.
async fn awaiting_interaction(journey: &Journey) -> JourneyStatus {
    wait_for_state(journey, |s| s.state == JourneyState::AwaitingInteraction)
        .await
        .unwrap()
}

/// The journey row, which must exist.
async fn journey_row(env: &TestEnv, campaign_id: i64, contact_id: i64) -> JourneyRow {
    fixtures::journey(&env.store, campaign_id, contact_id)
        .await
        .unwrap()
        .expect("a journey row")
}

async fn messages(env: &TestEnv, campaign_id: i64, contact_id: i64) -> Vec<MessageRow> {
    fixtures::messages_for(&env.store, campaign_id, contact_id)
        .await
        .unwrap()
}

#[tokio::test]
async fn reply_inside_the_window_sends_exactly_one_message_2() {
    let env = TestEnv::start().await.unwrap();
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Alice", LONG_WINDOW, FAST_RETRIES).await;

    awaiting_interaction(&journey).await;
    signal(&journey, interaction("wamid-reply-1", &phone, now_ms()))
        .await
        .unwrap();
    let outcome = outcome(&journey).await.unwrap();

    assert_eq!(outcome.state, JourneyState::Message2Sent);
    let accepted = env.sandbox.accepted_for(phone.as_str());
    let texts: Vec<&str> = accepted.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Bonjour Alice, découvrez notre offre !",
            "Merci Alice ! Voici votre code : MERCI10"
        ]
    );
    let messages = messages(&env, campaign_id, contact_id).await;
    assert_eq!(messages.len(), 2);
    assert!(
        messages
            .iter()
            .all(|m| m.status == "sent" && m.sent_at.is_some())
    );
    assert_eq!(
        messages[0].provider_message_id.as_deref(),
        Some(accepted[0].id.as_str())
    );
    let journey_row = journey_row(&env, campaign_id, contact_id).await;
    assert_eq!(journey_row.state, "message_2_sent");
    assert_eq!(
        interactions_recorded(&env, campaign_id, contact_id).await,
        (1, 1)
    );
    assert_eq!(fixtures::sent_today(&env.store).await.unwrap(), 2);
    env.record_journey(campaign_id, contact_id, "journey-reply-then-message-2")
        .await;
}

#[tokio::test]
async fn fifty_concurrent_interactions_and_a_redelivery_send_one_message_2() {
    let env = TestEnv::start().await.unwrap();
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Bruno", LONG_WINDOW, FAST_RETRIES).await;
    awaiting_interaction(&journey).await;

    // 50 distinct interactions plus one redelivery of the first, all at once.
    let mut ids: Vec<String> = (0..50).map(|i| format!("wamid-burst-{i}")).collect();
    ids.push("wamid-burst-0".to_owned());
    let signals = ids.iter().map(|id| {
        let journey = &journey;
        let phone = &phone;
        async move {
            signal(journey, interaction(id, phone, now_ms()))
                .await
                .is_ok()
        }
    });
    let delivered: Vec<bool> = futures::future::join_all(signals).await;
    let outcome = outcome(&journey).await.unwrap();

    assert_eq!(outcome.state, JourneyState::Message2Sent);
    let message_2s = env
        .sandbox
        .accepted_for(phone.as_str())
        .into_iter()
        .filter(|m| m.message.starts_with("Merci"))
        .count();
    assert_eq!(message_2s, 1, "exactly one Message 2 reached the provider");
    // Signals the server accepted before the journey closed are all recorded, each id once.
    let accepted_ids: std::collections::BTreeSet<&String> = ids
        .iter()
        .zip(&delivered)
        .filter(|(_, ok)| **ok)
        .map(|(id, _)| id)
        .collect();
    let (recorded, within) = interactions_recorded(&env, campaign_id, contact_id).await;
    assert!(
        recorded >= 1 && recorded as usize <= accepted_ids.len(),
        "{recorded} recorded, {} accepted",
        accepted_ids.len()
    );
    assert_eq!(recorded, within);
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT provider_message_id FROM interactions GROUP BY 1 HAVING count(*) > 1) d",
    )
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(duplicates, 0);
    let message_2_rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE campaign_id = $1 AND contact_id = $2 AND message_type = 'message_2'",
    )
    .bind(campaign_id)
    .bind(contact_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(message_2_rows, 1);
}

#[tokio::test]
async fn no_reply_ends_no_interaction_and_a_late_reply_ends_late_interaction() {
    let env = TestEnv::start().await.unwrap();
    let (silent_id, silent_phone) = env.contact("Chloé").await.unwrap();
    let (late_id, late_phone) = env.contact("David").await.unwrap();
    let campaign_id = env.campaign(&[silent_id, late_id]).await.unwrap();
    let window = Duration::from_secs(2);
    let silent = env
        .start_journey(campaign_id, silent_id, window, FAST_RETRIES)
        .await
        .unwrap();
    let late = env
        .start_journey(campaign_id, late_id, Duration::from_secs(4), FAST_RETRIES)
        .await
        .unwrap();

    // The late contact's reply reaches the journey stamped after its window closed (R4).
    let status = awaiting_interaction(&late).await;
    let sent_at = status.message_1_sent_at_ms.unwrap();
    signal(
        &late,
        interaction("wamid-late", &late_phone, sent_at + 4_000),
    )
    .await
    .unwrap();

    assert_eq!(
        outcome(&silent).await.unwrap().state,
        JourneyState::NoInteraction
    );
    assert_eq!(
        outcome(&late).await.unwrap().state,
        JourneyState::LateInteraction
    );
    for (contact_id, phone, state) in [
        (silent_id, &silent_phone, "no_interaction"),
        (late_id, &late_phone, "late_interaction"),
    ] {
        assert_eq!(
            env.sandbox.accepted_for(phone.as_str()).len(),
            1,
            "Message 1 only"
        );
        let row = journey_row(&env, campaign_id, contact_id).await;
        assert_eq!(row.state, state);
    }
    assert_eq!(
        interactions_recorded(&env, campaign_id, late_id).await,
        (1, 0)
    );
    env.record_journey(campaign_id, silent_id, "journey-no-reply")
        .await;
    env.record_journey(campaign_id, late_id, "journey-late-reply")
        .await;
}

#[tokio::test]
async fn a_reply_after_the_journey_closed_refines_no_interaction_to_late() {
    let env = TestEnv::start().await.unwrap();
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Emma", Duration::from_secs(1), FAST_RETRIES).await;
    assert_eq!(
        outcome(&journey).await.unwrap().state,
        JourneyState::NoInteraction
    );

    // The journey is closed: its signal is refused, so the reply is recorded directly, the way
    // the webhook bridge records replies to closed journeys.
    assert!(
        signal(&journey, interaction("wamid-too-late", &phone, now_ms()))
            .await
            .is_err()
    );
    let recorded = env
        .store
        .record_late_interaction(&campaign_store::NewInteraction {
            campaign_id: Some(campaign_id),
            contact_id: Some(contact_id),
            phone: phone.as_str().to_owned(),
            interaction_type: "text".to_owned(),
            provider_message_id: "wamid-too-late".to_owned(),
            content: None,
            received_at: chrono::Utc::now(),
            within_window: false,
        })
        .await
        .unwrap();
    assert!(recorded);
    let row = journey_row(&env, campaign_id, contact_id).await;
    assert_eq!(row.state, "late_interaction");
    assert_eq!(
        env.sandbox.accepted_for(phone.as_str()).len(),
        1,
        "no Message 2"
    );
}

#[tokio::test]
async fn two_server_errors_then_success_is_sent_with_three_attempts() {
    let env = TestEnv::start().await.unwrap();
    env.sandbox.fail_next(500, 2).unwrap();
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Farid", Duration::from_secs(1), FAST_RETRIES).await;

    assert_eq!(
        outcome(&journey).await.unwrap().state,
        JourneyState::NoInteraction
    );
    let messages = messages(&env, campaign_id, contact_id).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].status, "sent");
    assert_eq!(messages[0].attempts, 3);
    assert_eq!(env.sandbox.accepted_for(phone.as_str()).len(), 1);
    assert_eq!(
        fixtures::sent_today(&env.store).await.unwrap(),
        1,
        "one ledger unit per message, not per attempt"
    );
}

#[tokio::test]
async fn a_permanent_error_fails_the_journey_after_one_attempt() {
    let env = TestEnv::start().await.unwrap();
    env.sandbox.fail_next(400, 1).unwrap();
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Gaëlle", LONG_WINDOW, FAST_RETRIES).await;

    let outcome = outcome(&journey).await.unwrap();
    assert_eq!(outcome.state, JourneyState::Failed);
    let messages = messages(&env, campaign_id, contact_id).await;
    assert_eq!(
        (messages[0].status.as_str(), messages[0].attempts),
        ("failed", 1)
    );
    let row = journey_row(&env, campaign_id, contact_id).await;
    assert_eq!(row.state, "failed");
    assert!(row.failure_reason.is_some_and(|r| !r.is_empty()));
    assert!(env.sandbox.accepted_for(phone.as_str()).is_empty());
}

#[tokio::test]
async fn retries_give_up_after_max_attempts() {
    let env = TestEnv::start().await.unwrap();
    env.sandbox.fail_next(503, 10).unwrap();
    let (campaign_id, contact_id, _, journey) =
        solo_journey(&env, "Hugo", LONG_WINDOW, FAST_RETRIES).await;

    let outcome = outcome(&journey).await.unwrap();
    assert_eq!(outcome.state, JourneyState::Failed);
    assert!(
        outcome
            .failure_reason
            .unwrap()
            .contains("gave up after 3 attempts")
    );
    let messages = messages(&env, campaign_id, contact_id).await;
    assert_eq!(
        (messages[0].status.as_str(), messages[0].attempts),
        ("failed", 3)
    );
    env.record_journey(campaign_id, contact_id, "journey-failed-after-retries")
        .await;
}

#[tokio::test]
async fn a_full_daily_ledger_fails_the_journey_and_sends_nothing() {
    let env = TestEnv::start_with_limit(5).await.unwrap();
    fixtures::set_sent_today(&env.store, 5).await.unwrap();
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Inès", LONG_WINDOW, FAST_RETRIES).await;

    let outcome = outcome(&journey).await.unwrap();
    assert_eq!(outcome.state, JourneyState::Failed);
    assert_eq!(
        outcome.failure_reason.as_deref(),
        Some("daily message limit reached")
    );
    let row = journey_row(&env, campaign_id, contact_id).await;
    assert_eq!(
        row.failure_reason.as_deref(),
        Some("daily message limit reached")
    );
    assert!(env.sandbox.accepted_for(phone.as_str()).is_empty());
    assert_eq!(fixtures::sent_today(&env.store).await.unwrap(), 5);
}

#[tokio::test]
async fn a_worker_killed_mid_send_is_replaced_without_a_duplicate_send() {
    let mut env = TestEnv::start().await.unwrap();
    // Every send takes 1.5 s at the provider, so the kill lands while Message 1 is in flight.
    env.sandbox
        .set_faults(wa_sandbox::Faults {
            latency_ms: 1_500,
            ..Default::default()
        })
        .unwrap();
    let policy = SendPolicy {
        attempt_timeout_ms: 4_000,
        ..FAST_RETRIES
    };
    let (campaign_id, contact_id, phone, journey) =
        solo_journey(&env, "Jade", LONG_WINDOW, policy).await;
    wait_for_state(&journey, |s| s.state == JourneyState::SendingMessage1)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    env.kill_worker().await.unwrap();

    env.spawn_worker().unwrap();
    awaiting_interaction(&journey).await;
    signal(&journey, interaction("wamid-after-crash", &phone, now_ms()))
        .await
        .unwrap();
    assert_eq!(
        outcome(&journey).await.unwrap().state,
        JourneyState::Message2Sent
    );

    let accepted = env.sandbox.accepted_for(phone.as_str());
    let message_1s = accepted
        .iter()
        .filter(|m| m.message.starts_with("Bonjour"))
        .count();
    let message_2s = accepted
        .iter()
        .filter(|m| m.message.starts_with("Merci"))
        .count();
    assert_eq!((message_1s, message_2s), (1, 1), "{accepted:?}");
    let messages = messages(&env, campaign_id, contact_id).await;
    assert_eq!(
        messages[0].provider_message_id.as_deref(),
        Some(accepted[0].id.as_str())
    );
}
