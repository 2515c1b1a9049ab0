//! The `Campaign` workflow and its operations end to end: real Temporal, real Postgres, sandbox.

use campaign_api::operations::OperationError;
use campaign_domain::{CampaignState, MessageReference, MessageType};
use campaign_tests::fixtures::fast_settings;
use campaign_tests::{ReplyBridge, TestEnv, fixtures};
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(600);

/// Journey states of a campaign, counted from the rows.
async fn journey_states(env: &TestEnv, campaign_id: i64) -> HashMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        "SELECT state, count(*) FROM journeys WHERE campaign_id = $1 GROUP BY state",
    )
    .bind(campaign_id)
    .fetch_all(env.store.pool())
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// The campaign's live counters must equal a recount from the journey and message rows.
async fn assert_counters_match_rows(env: &TestEnv, campaign_id: i64) {
    let counters = campaign_tests::campaign_counters(env.store.pool(), campaign_id)
        .await
        .unwrap();
    let drifted: Vec<_> = counters
        .iter()
        .filter(|(_, stored, recount)| stored != recount)
        .collect();
    assert!(
        drifted.is_empty(),
        "counters differ from a recount (name, stored, recount): {drifted:?}"
    );
}

#[tokio::test]
async fn three_hundred_contacts_with_forty_percent_replies() {
    let env = TestEnv::start().await.unwrap();
    let bridge = ReplyBridge::attach(&env, 0.4).await.unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(300, fast_settings(3.0, 100))
        .await
        .unwrap();

    let launched = env
        .engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert_eq!(launched.total_contacts, 300);
    let status = env
        .campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert_eq!(status.released, 300);
    assert_eq!(status.outcomes.values().sum::<u64>(), 300);
    let states = journey_states(&env, campaign_id).await;
    assert_eq!(states.values().sum::<i64>(), 300);
    assert!(states.keys().all(|s| ["message_2_sent", "no_interaction", "late_interaction"].contains(&s.as_str())), "{states:?}");
    // Exactly one Message 2 per contact whose reply was signalled inside the window, none for others.
    let repliers = bridge.signalled();
    assert!(
        repliers.len() > 60 && repliers.len() < 180,
        "about 40% replied: {}",
        repliers.len()
    );
    let mut message_2_per_contact: HashMap<i64, usize> = HashMap::new();
    let mut message_1_per_contact: HashMap<i64, usize> = HashMap::new();
    for record in env.sandbox.accepted() {
        let reference = record.reference.unwrap();
        if let Some((_, contact)) = campaign_tests::parse_reference(&reference, "message_2") {
            *message_2_per_contact.entry(contact).or_default() += 1;
        } else if let Some((_, contact)) = campaign_tests::parse_reference(&reference, "message_1")
        {
            *message_1_per_contact.entry(contact).or_default() += 1;
        }
    }
    assert!(
        contact_ids
            .iter()
            .all(|c| message_1_per_contact.get(c) == Some(&1))
    );
    assert!(message_2_per_contact.values().all(|&n| n == 1));
    assert!(
        message_2_per_contact
            .keys()
            .all(|c| repliers.contains_key(c))
    );
    assert_eq!(
        message_2_per_contact.len() as i64,
        states.get("message_2_sent").copied().unwrap_or(0)
    );
    assert_eq!(
        env.store.campaign_status(campaign_id).await.unwrap(),
        Some(CampaignState::Completed)
    );
    assert_counters_match_rows(&env, campaign_id).await;
    env.record_campaign(campaign_id, "campaign-completed").await;
    env.record_journey_in_state(campaign_id, "message_2_sent", "journey-campaign-reply")
        .await;
}

#[tokio::test]
async fn three_thousand_contacts_continue_as_new_with_correct_totals() {
    let env = TestEnv::start_with_limit(5_000).await.unwrap();
    let (campaign_id, _) = env
        .draft_campaign(3_000, fast_settings(1.0, 100))
        .await
        .unwrap();

    let status = env
        .run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    assert!(
        status.runs >= 3,
        "at least two continue-as-new, got {} runs",
        status.runs
    );
    assert_eq!(status.released, 3_000);
    assert_eq!(
        status.outcomes.values().sum::<u64>(),
        3_000,
        "{:?}",
        status.outcomes
    );
    let states = journey_states(&env, campaign_id).await;
    assert_eq!(states.get("no_interaction"), Some(&3_000), "{states:?}");
    assert_eq!(
        env.sandbox.accepted().len(),
        3_000,
        "one Message 1 each, no duplicate"
    );
    assert_counters_match_rows(&env, campaign_id).await;
    env.record_campaign(campaign_id, "campaign-continued-as-new")
        .await;
}

#[tokio::test]
async fn the_cutoff_closes_open_journeys_with_the_r9_states() {
    let env = TestEnv::start().await.unwrap();
    let mut settings = fast_settings(120.0, 20);
    // Paced one per second, only about five contacts get Message 1 before the cutoff.
    settings["send_interval_secs"] = json!(1);
    settings["cutoff_secs"] = json!(5);
    let (campaign_id, _) = env.draft_campaign(20, settings).await.unwrap();

    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let states = journey_states(&env, campaign_id).await;
    // Journeys waiting for a reply end `no_interaction`; the others, still waiting for their
    // pacing slot, fail with the cutoff. Nothing is left open.
    let waiting = states.get("no_interaction").copied().unwrap_or(0);
    let failed = states.get("failed").copied().unwrap_or(0);
    assert_eq!(waiting + failed, 20, "{states:?}");
    assert!((1..=10).contains(&waiting), "{states:?}");
    assert!(waiting <= env.sandbox.accepted().len() as i64);
    let reasons: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT DISTINCT failure_reason FROM journeys WHERE campaign_id = $1 AND state = 'failed'",
    )
    .bind(campaign_id)
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    assert_eq!(reasons, [Some("campaign cutoff".to_owned())]);
    assert_eq!(
        env.store.campaign_status(campaign_id).await.unwrap(),
        Some(CampaignState::Completed)
    );
    assert_counters_match_rows(&env, campaign_id).await;
    env.record_campaign(campaign_id, "campaign-cutoff").await;
    env.record_journey_in_state(campaign_id, "failed", "journey-cancelled-by-cutoff")
        .await;
}

#[tokio::test]
async fn stopping_a_campaign_cancels_every_open_journey() {
    let env = TestEnv::start().await.unwrap();
    let mut settings = fast_settings(120.0, 20);
    settings["send_interval_secs"] = json!(0.5);
    let (campaign_id, _) = env.draft_campaign(20, settings).await.unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    // Stop while a few journeys wait for replies and the others wait for their pacing slot.
    env.wait_for_accepted(3).await.unwrap();

    env.engine()
        .stop(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let states = journey_states(&env, campaign_id).await;
    assert_eq!(states.get("cancelled"), Some(&20), "{states:?}");
    assert_eq!(
        env.store.campaign_status(campaign_id).await.unwrap(),
        Some(CampaignState::Cancelled)
    );
    assert_counters_match_rows(&env, campaign_id).await;
    let sent_before_the_end = env.sandbox.accepted().len();
    assert!(sent_before_the_end < 20, "the stop came mid-campaign");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        env.sandbox.accepted().len(),
        sent_before_the_end,
        "nothing sent after the stop"
    );
    assert!(matches!(
        env.engine().stop(campaign_id, &TestEnv::operator()).await,
        Err(OperationError::NotDraft { .. })
    ));
    env.record_campaign(campaign_id, "campaign-stopped").await;
    env.record_journey_in_state(campaign_id, "cancelled", "journey-cancelled-by-stop")
        .await;
}

#[tokio::test]
async fn journeys_waiting_for_a_reply_leave_the_sending_window() {
    let env = TestEnv::start().await.unwrap();
    let (campaign_id, _) = env
        .draft_campaign(12, fast_settings(600.0, 2))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();

    // Two in flight at a time, yet every contact gets Message 1 long before the first window
    // (10 minutes) ends: only journeys still sending count against the window.
    env.wait_for_accepted(12).await.unwrap();
    env.engine()
        .stop(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    let status = env
        .campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(status.released, 12);
    let states = journey_states(&env, campaign_id).await;
    assert_eq!(states.get("cancelled"), Some(&12), "{states:?}");
    assert_eq!(env.sandbox.accepted().len(), 12);
}

#[tokio::test]
async fn launching_twice_starts_one_campaign_and_checks_quota_and_audience() {
    let env = TestEnv::start_with_limit(12).await.unwrap();
    let (campaign_id, _) = env
        .draft_campaign(10, fast_settings(1.0, 10))
        .await
        .unwrap();
    let (too_big, _) = env.draft_campaign(3, fast_settings(1.0, 10)).await.unwrap();
    let empty = fixtures::create_draft_campaign(
        &env.store,
        "Empty",
        &campaign_domain::Template::parse("Bonjour").unwrap(),
        &campaign_domain::Template::parse("Merci").unwrap(),
        &[],
        &json!({}),
    )
    .await
    .unwrap();
    let engine = env.engine();

    let operator = TestEnv::operator();
    let (first, second) = tokio::join!(
        engine.launch(campaign_id, &operator),
        engine.launch(campaign_id, &operator)
    );
    let launched = [&first, &second]
        .iter()
        .filter(|result| result.is_ok())
        .count();
    assert_eq!(launched, 1, "{first:?} {second:?}");
    assert!(matches!(
        first.as_ref().err().or(second.as_ref().err()),
        Some(OperationError::NotDraft { .. })
    ));
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        env.sandbox.accepted().len(),
        10,
        "one Message 1 per contact"
    );
    assert!(matches!(
        engine.launch(campaign_id, &TestEnv::operator()).await,
        Err(OperationError::NotDraft { .. })
    ));

    // 10 of 12 sends used today: a 3-contact campaign is refused with the remaining count.
    match engine.launch(too_big, &TestEnv::operator()).await {
        Err(OperationError::QuotaExceeded { remaining, needed }) => {
            assert_eq!((remaining, needed), (2, 3))
        }
        other => panic!("expected a quota refusal, got {other:?}"),
    }
    assert_eq!(
        env.store.campaign_status(too_big).await.unwrap(),
        Some(CampaignState::Draft)
    );
    assert!(matches!(
        engine.launch(empty, &TestEnv::operator()).await,
        Err(OperationError::NoContacts {
            opted_out_excluded: 0,
            capped_excluded: 0
        })
    ));
    assert!(matches!(
        engine.launch(i64::MAX, &TestEnv::operator()).await,
        Err(OperationError::NotFound)
    ));
}

#[tokio::test]
async fn retry_starts_new_journeys_for_failed_contacts_only() {
    let env = TestEnv::start().await.unwrap();
    let (campaign_id, contact_ids) = env.draft_campaign(10, fast_settings(1.0, 1)).await.unwrap();
    // The first three sends meet a permanent error.
    env.sandbox.fail_next(400, 3).unwrap();
    env.run_campaign(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    let states = journey_states(&env, campaign_id).await;
    assert_eq!(
        (states.get("failed"), states.get("no_interaction")),
        (Some(&3), Some(&7)),
        "{states:?}"
    );
    let sent_before: Vec<String> = env
        .sandbox
        .accepted()
        .into_iter()
        .map(|r| r.phone)
        .collect();
    assert_eq!(sent_before.len(), 7);

    let retried = env
        .engine()
        .retry(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert_eq!(retried.total_contacts, 3);
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let states = journey_states(&env, campaign_id).await;
    assert_eq!(states.get("no_interaction"), Some(&10), "{states:?}");
    let accepted = env.sandbox.accepted();
    assert_eq!(
        accepted.len(),
        10,
        "three new sends, the seven others untouched"
    );
    let mut phones: Vec<&String> = accepted.iter().map(|r| &r.phone).collect();
    phones.sort();
    phones.dedup();
    assert_eq!(phones.len(), contact_ids.len());
    assert_eq!(
        env.store.campaign_status(campaign_id).await.unwrap(),
        Some(CampaignState::Completed)
    );
    assert_counters_match_rows(&env, campaign_id).await;
    assert!(matches!(
        env.engine().retry(campaign_id, &TestEnv::operator()).await,
        Err(OperationError::NothingToRetry)
    ));

    // A relaunch the daily limit refuses leaves no copy behind.
    let sent_today = fixtures::sent_today(&env.store).await.unwrap();
    fixtures::set_sent_today(&env.store, 1_000).await.unwrap();
    assert!(matches!(
        env.engine()
            .relaunch(campaign_id, &TestEnv::operator())
            .await,
        Err(OperationError::QuotaExceeded { remaining: 0, .. })
    ));
    assert_eq!(campaign_count(&env).await, 1);
    fixtures::set_sent_today(&env.store, sent_today)
        .await
        .unwrap();

    // Relaunch: a fresh campaign for the same audience; the first one and its results stay.
    let relaunched = env
        .engine()
        .relaunch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert_ne!(relaunched.campaign_id, campaign_id);
    assert_eq!(relaunched.total_contacts, 10);
    // A repeated relaunch (a double click) finds the first copy and starts nothing.
    match env
        .engine()
        .relaunch(campaign_id, &TestEnv::operator())
        .await
    {
        Err(OperationError::AlreadyRelaunched { campaign_id: copy }) => {
            assert_eq!(copy, relaunched.campaign_id)
        }
        other => panic!("a second relaunch answered {other:?}"),
    }
    assert_eq!(campaign_count(&env).await, 2);
    env.campaign_result(relaunched.campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        env.sandbox.accepted().len(),
        20,
        "every contact messaged once more"
    );
    assert_eq!(
        journey_states(&env, campaign_id)
            .await
            .get("no_interaction"),
        Some(&10)
    );
    assert_eq!(
        env.store.campaign_status(campaign_id).await.unwrap(),
        Some(CampaignState::Completed)
    );
    assert_counters_match_rows(&env, relaunched.campaign_id).await;
}

async fn campaign_count(env: &TestEnv) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(env.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_sends_the_failed_message_2_to_a_contact_who_had_answered() {
    let env = TestEnv::start().await.unwrap();
    let (campaign_id, contact_ids) = env
        .draft_campaign(1, fast_settings(60.0, 10))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    env.wait_for_accepted(1).await.unwrap();
    let phone = campaign_domain::PhoneNumber::parse(&env.sandbox.accepted()[0].phone).unwrap();
    // The contact answers; their Message 2 meets a permanent error.
    env.sandbox.fail_next(400, 1).unwrap();
    let journey = env
        .client
        .get_workflow_handle::<campaign_workflows::ContactJourney>(
            campaign_domain::JourneyWorkflowId::new(campaign_id, contact_ids[0]).to_string(),
        );
    campaign_tests::signal(
        &journey,
        campaign_tests::interaction("wamid-answer", &phone, campaign_tests::now_ms()),
    )
    .await
    .unwrap();
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        journey_states(&env, campaign_id).await.get("failed"),
        Some(&1)
    );
    assert_counters_match_rows(&env, campaign_id).await;

    // The retry does not send Message 1 again, nor wait for another answer: Message 2 leaves.
    let retried = env
        .engine()
        .retry(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    assert_eq!(retried.total_contacts, 1);
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        journey_states(&env, campaign_id)
            .await
            .get("message_2_sent"),
        Some(&1)
    );
    let references: Vec<String> = env
        .sandbox
        .accepted()
        .into_iter()
        .filter_map(|record| record.reference)
        .collect();
    assert_eq!(
        references,
        [
            MessageReference::new(campaign_id, contact_ids[0], MessageType::Message1).to_string(),
            MessageReference::new(campaign_id, contact_ids[0], MessageType::Message2).to_string(),
        ]
    );
    assert_counters_match_rows(&env, campaign_id).await;
}
