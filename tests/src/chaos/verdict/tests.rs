use super::*;
use crate::chaos::phones::ReplyPlan;

const CAMPAIGN: i64 = 7;
const WINDOW: Duration = Duration::from_secs(30);
/// Message 1 acceptances: 1,000,000.250 s after the epoch, one second apart per contact.
const ACCEPTED_MS: i64 = 1_000_000_250;

fn phone(contact: i64) -> String {
    format!("+3361000000{contact}")
}

fn send(contact: i64, message_type: &str, accepted_ms: i64) -> AcceptedRecord {
    AcceptedRecord {
        id: format!("{contact}-{message_type}"),
        wa_id: String::new(),
        phone: phone(contact),
        message: String::new(),
        reference: Some(reference(CAMPAIGN, contact, message_type)),
        accepted_at: DateTime::from_timestamp_millis(accepted_ms).expect("a valid time"),
        ..AcceptedRecord::default()
    }
}

fn reply(message_1: &AcceptedRecord, timestamp_secs: i64) -> PostedReply {
    PostedReply {
        phone: message_1.phone.clone(),
        provider_message_id: format!("in-{}", message_1.phone),
        timestamp_secs,
        message_1: message_1.clone(),
        plan: ReplyPlan::InWindow {
            delay: Duration::ZERO,
        },
        attempts: 1,
        delivered: true,
        refused: None,
    }
}

/// Contact 1 replies in the same second as its Message 1 (stamped before the acceptance),
/// contact 2 after its window, contact 3 never; everything as the rules say.
fn healthy() -> Evidence {
    let message_1: Vec<AcceptedRecord> = (1..=3)
        .map(|contact| send(contact, "message_1", ACCEPTED_MS + contact * 1_000))
        .collect();
    let replies = vec![
        reply(&message_1[0], (ACCEPTED_MS + 1_000) / 1_000),
        reply(&message_1[1], (ACCEPTED_MS + 2_000) / 1_000 + 33),
    ];
    let mut accepted: Vec<AcceptedRecord> = message_1.clone();
    accepted.push(send(1, "message_2", ACCEPTED_MS + 1_500));
    Evidence {
        campaign_id: CAMPAIGN,
        window: WINDOW,
        campaign_status: Some("completed".to_owned()),
        contacts: (1..=3).map(|contact| (contact, phone(contact))).collect(),
        sent_at: accepted
            .iter()
            .map(|record| (record.reference.clone().unwrap(), Some(record.accepted_at)))
            .collect(),
        acceptance_times: true,
        accepted: accepted
            .into_iter()
            .map(|record| (record.reference.clone().unwrap(), vec![record]))
            .collect(),
        interactions: replies
            .iter()
            .map(|reply| (reply.provider_message_id.clone(), (1, Some(CAMPAIGN))))
            .collect(),
        replies: replies
            .into_iter()
            .map(|reply| (reply.phone.clone(), reply))
            .collect(),
        journeys: [
            (1, "message_2_sent"),
            (2, "late_interaction"),
            (3, "no_interaction"),
        ]
        .map(|(contact, state)| (contact, state.to_owned()))
        .into_iter()
        .collect(),
        counters: vec![("message_2_sent", 1, 1)],
        retried_sends: 0,
    }
}

fn broken_rules(evidence: &Evidence) -> Vec<&'static str> {
    judge(evidence)
        .into_iter()
        .filter(|check| !check.passed())
        .map(|check| check.rule)
        .collect()
}

#[test]
fn a_healthy_run_breaks_no_rule() {
    let evidence = healthy();
    assert_eq!(broken_rules(&evidence), Vec::<&str>::new());
    let figures = Figures::of(&evidence);
    assert_eq!((figures.in_window, figures.late), (1, 1));
    assert_eq!(figures.stamped_before_acceptance, 1);
    assert_eq!(figures.losses, 0);
}

#[test]
fn a_lost_message_2_and_a_reply_without_its_campaign_are_reported() {
    let mut evidence = healthy();
    evidence
        .accepted
        .remove(&reference(CAMPAIGN, 1, "message_2"));
    evidence.journeys.insert(1, "no_interaction".to_owned());
    evidence
        .interactions
        .insert(format!("in-{}", phone(1)), (1, None));
    assert_eq!(
        broken_rules(&evidence),
        [
            "Message 2 exactly once to each in-window replier, never to anyone else",
            "no in-window reply stored without its campaign",
            "in-window repliers end message_2_sent, late ones late_interaction, others no_interaction",
            "messages.sent_at equals the provider's acceptance, to the millisecond",
        ]
    );
    assert_eq!(Figures::of(&evidence).losses, 1);
}

#[test]
fn doubled_sends_wrong_times_and_counters_are_reported() {
    let mut evidence = healthy();
    let message_1 = reference(CAMPAIGN, 3, "message_1");
    let again = evidence.accepted[&message_1][0].clone();
    evidence.accepted.get_mut(&message_1).unwrap().push(again);
    let late = DateTime::from_timestamp_millis(ACCEPTED_MS + 3_001);
    evidence.sent_at.insert(message_1, late);
    evidence.counters = vec![("message_2_sent", 2, 1)];
    evidence.campaign_status = Some("running".to_owned());
    assert_eq!(
        broken_rules(&evidence),
        [
            "the campaign is completed",
            "exactly one Message 1 per contact at the provider",
            "every campaign counter equals a recount of the rows",
            "messages.sent_at equals the provider's acceptance, to the millisecond",
        ]
    );
}
