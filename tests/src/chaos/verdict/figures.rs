//! The run in numbers: what the chaos test prints beside its verdict, and what
//! docs/PERFORMANCE.md reports.

use super::{Evidence, in_window_replies_without_campaign};
use crate::chaos::phones::PostedReply;

/// The run in numbers.
pub struct Figures {
    pub contacts: usize,
    pub replies: usize,
    pub in_window: usize,
    pub late: usize,
    pub contacts_with_message_1: usize,
    pub message_2_earned: usize,
    pub message_2_received: usize,
    pub in_window_without_campaign: usize,
    /// Contacts without Message 1, in-window repliers without Message 2, replies not stored.
    pub losses: usize,
    /// Deliveries of a reply beyond its first.
    pub redeliveries: u32,
    /// Replies whose whole-second stamp is before their Message 1's millisecond acceptance.
    pub stamped_before_acceptance: usize,
    pub retried_sends: i64,
}

impl Figures {
    pub fn of(evidence: &Evidence) -> Figures {
        let window = evidence.window;
        let replies: Vec<&PostedReply> = evidence.replies.values().collect();
        let earned: Vec<(i64, &String)> = evidence
            .contacts
            .iter()
            .filter(|(_, phone)| evidence.earns_message_2(phone))
            .map(|(&contact, phone)| (contact, phone))
            .collect();
        let contacts_with_message_1 = evidence
            .contacts
            .keys()
            .filter(|&&contact| !evidence.sends(contact, "message_1").is_empty())
            .count();
        let message_2_received = earned
            .iter()
            .filter(|(contact, _)| !evidence.sends(*contact, "message_2").is_empty())
            .count();
        let unstored = replies
            .iter()
            .filter(|reply| {
                !evidence
                    .interactions
                    .contains_key(&reply.provider_message_id)
            })
            .count();
        Figures {
            contacts: evidence.contacts.len(),
            replies: replies.len(),
            in_window: replies.iter().filter(|reply| reply.inside(window)).count(),
            late: replies.iter().filter(|reply| !reply.inside(window)).count(),
            contacts_with_message_1,
            message_2_earned: earned.len(),
            message_2_received,
            in_window_without_campaign: in_window_replies_without_campaign(evidence).count(),
            losses: (evidence.contacts.len() - contacts_with_message_1)
                + (earned.len() - message_2_received)
                + unstored,
            redeliveries: replies
                .iter()
                .map(|reply| reply.attempts.saturating_sub(1))
                .sum(),
            stamped_before_acceptance: replies
                .iter()
                .filter(|reply| {
                    reply.timestamp_secs * 1_000 < reply.message_1.accepted_at.timestamp_millis()
                })
                .count(),
            retried_sends: evidence.retried_sends,
        }
    }
}
