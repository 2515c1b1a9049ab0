use super::*;
use crate::protocol::TaskQueues;
use campaign_domain::{ConsentChange, InteractionType, Pacing, SendPolicy};

const SENT_AT_MS: i64 = 1_000_000;
const WINDOW_MS: u64 = 60_000;

fn input() -> JourneyInput {
    JourneyInput {
        campaign_id: 7,
        contact_id: 42,
        interaction_window_ms: WINDOW_MS,
        send_policy: SendPolicy::default(),
        task_queues: TaskQueues {
            message_1: "message-1".to_owned(),
            message_2: "message-2".to_owned(),
        },
        pacing: Some(Pacing {
            interval_ms: 25_000,
            batch_size: 25,
            batch_pause_ms: 300_000,
        }),
        quiet_hours: None,
    }
}

fn interaction(id: &str, received_at_ms: i64) -> Interaction {
    Interaction {
        provider_message_id: id.to_owned(),
        interaction_type: InteractionType::Text,
        phone: "+33612345678".to_owned(),
        content: Some("Oui".to_owned()),
        received_at_ms,
        consent: None,
    }
}

#[test]
fn the_last_consent_change_of_a_batch_decides() {
    let with = |consent| Interaction {
        consent,
        ..interaction("x", SENT_AT_MS)
    };
    let stop = Some(ConsentChange::OptOut);
    let start = Some(ConsentChange::OptIn);
    assert!(opts_out(&[with(None), with(stop)]));
    assert!(opts_out(&[with(stop), with(None)]));
    assert!(!opts_out(&[with(stop), with(start)]));
    assert!(!opts_out(&[with(None)]));
}

#[test]
fn one_interaction_inside_the_window_makes_the_batch_count() {
    let late = SENT_AT_MS + WINDOW_MS as i64 + 1;
    let (records, decision) = classify(
        &input(),
        SENT_AT_MS,
        vec![
            interaction("late", late),
            interaction("in-time", SENT_AT_MS + 5),
        ],
    );
    assert_eq!(decision, WindowDecision::WithinWindow);
    let flags: Vec<(&str, bool)> = records
        .iter()
        .map(|record| (record.provider_message_id.as_str(), record.within_window))
        .collect();
    assert_eq!(flags, [("late", false), ("in-time", true)]);
}

#[test]
fn a_batch_of_late_interactions_is_late() {
    let (records, decision) = classify(
        &input(),
        SENT_AT_MS,
        vec![interaction("at-the-close", SENT_AT_MS + WINDOW_MS as i64)],
    );
    assert_eq!(decision, WindowDecision::Late);
    assert_eq!(
        records,
        [InteractionRecord {
            provider_message_id: "at-the-close".to_owned(),
            interaction_type: InteractionType::Text,
            phone: "+33612345678".to_owned(),
            content: Some("Oui".to_owned()),
            received_at_ms: SENT_AT_MS + WINDOW_MS as i64,
            within_window: false,
        }]
    );
}

#[test]
fn journeys_are_released_under_the_registered_workflow_name() {
    use temporalio_common::WorkflowDefinition;
    assert_eq!(
        ContactJourney::run.name(),
        campaign_activities::release::JOURNEY_WORKFLOW_TYPE
    );
}

#[test]
fn only_message_1_is_paced() {
    let input = input();
    let first = send_input(&input, MessageType::Message1);
    let second = send_input(&input, MessageType::Message2);
    assert_eq!(first.pacing, input.pacing);
    assert_eq!(second.pacing, None);
    assert_eq!(
        (second.campaign_id, second.contact_id, second.message_type),
        (7, 42, MessageType::Message2)
    );
}
