//! A deploy in the middle of a campaign's window. The campaign starts on workers that hold back
//! the newest patch (`WORKER_HELD_PATCHES`): the workflow code as the previous release ran it.
//! Workers of the current code replace them while journeys wait for replies and while Message 2s
//! are on their way. Every journey finishes as it should, and no workflow task fails to replay
//! (docs/OPERATIONS.md, "Deploying while workflows run").

use campaign_domain::{CampaignWorkflowId, JourneyState, JourneyWorkflowId, PhoneNumber};
use campaign_tests::fixtures::unpaced_settings;
use campaign_tests::{TestEnv, interaction, now_ms, parse_reference, signal, wait_for_state};
use campaign_workflows::{ContactJourney, SENDING_MESSAGE_2_PATCH};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use temporalio_client::{Client, WorkflowFetchHistoryOptions, WorkflowHandle};
use temporalio_common::protos::coresdk::common::decode_change_marker_details;
use temporalio_common::protos::temporal::api::enums::v1::WorkflowTaskFailedCause;
use temporalio_common::protos::temporal::api::history::v1::HistoryEvent;
use temporalio_common::protos::temporal::api::history::v1::history_event::Attributes;
use wa_sandbox::Faults;

const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);
/// Long enough for every step below to happen inside it.
const WINDOW_SECS: f64 = 45.0;
/// Each group of contacts below.
const GROUP: usize = 3;
/// How long the provider takes to answer a send while the workers are replaced, so that
/// Message 2s are on their way at that moment.
const SLOW_PROVIDER: Faults = Faults {
    error_rate: 0.0,
    rate_limit_rate: 0.0,
    latency_ms: 3_000,
    fail_next: Vec::new(),
};

type Journey = WorkflowHandle<Client, ContactJourney>;

fn journey(env: &TestEnv, campaign_id: i64, contact_id: i64) -> Journey {
    env.client
        .get_workflow_handle(JourneyWorkflowId::new(campaign_id, contact_id).to_string())
}

async fn reply(env: &TestEnv, campaign_id: i64, contacts: &[i64]) {
    for &contact_id in contacts {
        let phone = PhoneNumber::parse(&env.phone_of(contact_id).await).unwrap();
        signal(
            &journey(env, campaign_id, contact_id),
            interaction(&format!("wamid-deploy-{contact_id}"), &phone, now_ms()),
        )
        .await
        .unwrap();
    }
}

/// Messages of `message_type` the provider accepted for this campaign, by contact.
fn accepted_by_contact(env: &TestEnv, campaign_id: i64, message_type: &str) -> BTreeMap<i64, u32> {
    let mut counts = BTreeMap::new();
    for record in env.sandbox.accepted() {
        if let Some((campaign, contact)) = record
            .reference
            .as_deref()
            .and_then(|reference| parse_reference(reference, message_type))
            && campaign == campaign_id
        {
            *counts.entry(contact).or_default() += 1;
        }
    }
    counts
}

async fn history(env: &TestEnv, workflow_id: String) -> Vec<HistoryEvent> {
    env.client
        .get_workflow_handle::<ContactJourney>(workflow_id)
        .fetch_history(WorkflowFetchHistoryOptions::builder().build())
        .into_events()
        .await
        .unwrap()
}

fn nondeterminism_failures(events: &[HistoryEvent]) -> usize {
    events
        .iter()
        .filter(|event| match &event.attributes {
            Some(Attributes::WorkflowTaskFailedEventAttributes(failed)) => {
                failed.cause() == WorkflowTaskFailedCause::NonDeterministicError
            }
            _ => false,
        })
        .count()
}

fn records_patch(events: &[HistoryEvent], patch_id: &str) -> bool {
    events.iter().any(|event| match &event.attributes {
        Some(Attributes::MarkerRecordedEventAttributes(marker)) => {
            decode_change_marker_details(&marker.details).is_some_and(|(id, _)| id == patch_id)
        }
        _ => false,
    })
}

#[tokio::test]
async fn workers_replaced_mid_window_finish_every_journey_without_a_replay_failure() {
    let mut env = TestEnv::start_with(1_000, &[("WORKER_HELD_PATCHES", SENDING_MESSAGE_2_PATCH)])
        .await
        .unwrap();
    let (campaign_id, contacts) = env
        .draft_campaign(4 * GROUP, unpaced_settings(WINDOW_SECS))
        .await
        .unwrap();
    env.engine()
        .launch(campaign_id, &TestEnv::operator())
        .await
        .unwrap();
    for &contact_id in &contacts {
        wait_for_state(&journey(&env, campaign_id, contact_id), |status| {
            status.state == JourneyState::AwaitingInteraction
        })
        .await
        .unwrap();
    }
    // Replies decided by the previous release, replies whose Message 2 is on its way at the
    // deploy, replies after it, and contacts who never reply.
    let (before, rest) = contacts.split_at(GROUP);
    let (during, rest) = rest.split_at(GROUP);
    let (after, silent) = rest.split_at(GROUP);

    reply(&env, campaign_id, before).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while accepted_by_contact(&env, campaign_id, "message_2").len() < GROUP {
        assert!(Instant::now() < deadline, "no Message 2 before the deploy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    env.sandbox.set_faults(SLOW_PROVIDER).unwrap();
    reply(&env, campaign_id, during).await;
    for &contact_id in during {
        wait_for_state(&journey(&env, campaign_id, contact_id), |status| {
            status.state == JourneyState::SendingMessage2
        })
        .await
        .unwrap();
    }

    // The deploy: a worker of the current code starts, the previous release's dies mid-send.
    env.worker_env.clear();
    env.spawn_worker().unwrap();
    env.kill_worker().await.unwrap();
    env.sandbox.set_faults(Faults::default()).unwrap();
    reply(&env, campaign_id, after).await;
    env.campaign_result(campaign_id, CAMPAIGN_TIMEOUT)
        .await
        .unwrap();

    let everyone: BTreeMap<i64, u32> = contacts.iter().map(|&id| (id, 1)).collect();
    assert_eq!(
        accepted_by_contact(&env, campaign_id, "message_1"),
        everyone,
        "exactly one Message 1 per contact"
    );
    let repliers: BTreeMap<i64, u32> = [before, during, after]
        .concat()
        .into_iter()
        .map(|id| (id, 1))
        .collect();
    assert_eq!(
        accepted_by_contact(&env, campaign_id, "message_2"),
        repliers,
        "Message 2 exactly to the contacts who replied in time"
    );
    for &contact_id in repliers.keys() {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "message_2_sent"
        );
    }
    for &contact_id in silent {
        assert_eq!(
            env.journey_state(campaign_id, contact_id).await,
            "no_interaction"
        );
    }

    let mut failures = BTreeMap::new();
    let mut patched = BTreeSet::new();
    for &contact_id in &contacts {
        let events = history(
            &env,
            JourneyWorkflowId::new(campaign_id, contact_id).to_string(),
        )
        .await;
        failures.insert(contact_id, nondeterminism_failures(&events));
        if records_patch(&events, SENDING_MESSAGE_2_PATCH) {
            patched.insert(contact_id);
        }
    }
    let campaign = history(&env, CampaignWorkflowId::new(campaign_id).to_string()).await;
    failures.insert(0, nondeterminism_failures(&campaign));
    assert!(
        failures.values().all(|&count| count == 0),
        "workflow tasks failed with a nondeterminism error: {failures:?}"
    );
    // Both codes ran: the previous release decided the first two groups' replies, this one the
    // third's.
    assert_eq!(patched, after.iter().copied().collect::<BTreeSet<_>>());
    env.record_journey(campaign_id, during[0], "journey-deployed-mid-message-2")
        .await;
}
