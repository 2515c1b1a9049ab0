//! The verdict of a chaos run: what the provider accepted, what the phones sent and what the
//! database holds, compared rule by rule. Every check runs and lists its offenders, so one run
//! shows everything that broke rather than the first thing.

use super::phones::PostedReply;

mod figures;
pub use figures::Figures;

use campaign_domain::{JourneyState, MessageReference, MessageType};
use campaign_store::Store;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;
use wa_sandbox::AcceptedRecord;

/// Offenders listed per check; the rest are counted.
const MAX_OFFENDERS_SHOWN: usize = 20;

/// Everything the checks look at, gathered once the run is over.
pub struct Evidence {
    pub campaign_id: i64,
    pub window: Duration,
    pub campaign_status: Option<String>,
    /// Phone (E.164 with `+`) by contact id.
    pub contacts: BTreeMap<i64, String>,
    /// Sends the provider accepted, by reference.
    pub accepted: HashMap<String, Vec<AcceptedRecord>>,
    /// Replies the phones sent, by phone.
    pub replies: HashMap<String, PostedReply>,
    /// Journey state by contact id.
    pub journeys: HashMap<i64, String>,
    /// Stored interactions by provider message id: how many rows, and the campaign of the first.
    pub interactions: HashMap<String, (i64, Option<i64>)>,
    /// `sent_at` of each message row of the campaign, by reference.
    pub sent_at: HashMap<String, Option<DateTime<Utc>>>,
    /// Whether the provider's answer to a send says when it accepted it (Wassenger does; Meta's
    /// Cloud API does not, so the engine keeps its own time of the call).
    pub acceptance_times: bool,
    /// `(counter, stored value, recount)` of the campaign row.
    pub counters: Vec<(&'static str, i64, i64)>,
    /// Messages of the campaign the provider was called for more than once (an attempt died in
    /// a kill or an outage, or failed).
    pub retried_sends: i64,
}

impl Evidence {
    /// Reads the database's side of the evidence and puts it beside the provider's and the
    /// phones'.
    pub async fn gather(
        store: &Store,
        campaign_id: i64,
        window: Duration,
        contacts: BTreeMap<i64, String>,
        accepted: Vec<AcceptedRecord>,
        replies: Vec<PostedReply>,
        acceptance_times: bool,
    ) -> anyhow::Result<Evidence> {
        let pool = store.pool();
        let campaign_status = sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_optional(pool)
            .await?;
        let journeys =
            sqlx::query_as("SELECT contact_id, state FROM journeys WHERE campaign_id = $1")
                .bind(campaign_id)
                .fetch_all(pool)
                .await?
                .into_iter()
                .collect();
        let interactions = sqlx::query_as::<_, (String, i64, Option<i64>)>(
            "SELECT provider_message_id, count(*), (array_agg(campaign_id))[1] \
             FROM interactions GROUP BY provider_message_id",
        )
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(id, rows, campaign)| (id, (rows, campaign)))
        .collect();
        let sent_at = sqlx::query_as::<_, (i64, String, Option<DateTime<Utc>>)>(
            "SELECT contact_id, message_type, sent_at FROM messages WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(contact, kind, sent_at)| (reference(campaign_id, contact, &kind), sent_at))
        .collect();
        let retried_sends = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE campaign_id = $1 AND attempts > 1",
        )
        .bind(campaign_id)
        .fetch_one(pool)
        .await?;
        let counters = crate::campaign_counters(pool, campaign_id).await?;
        let mut by_reference: HashMap<String, Vec<AcceptedRecord>> = HashMap::new();
        for record in accepted {
            if let Some(reference) = record.reference.clone() {
                by_reference.entry(reference).or_default().push(record);
            }
        }
        Ok(Evidence {
            campaign_id,
            window,
            campaign_status,
            contacts,
            accepted: by_reference,
            replies: replies
                .into_iter()
                .map(|reply| (reply.phone.clone(), reply))
                .collect(),
            journeys,
            interactions,
            sent_at,
            acceptance_times,
            counters,
            retried_sends,
        })
    }

    fn sends(&self, contact_id: i64, message_type: &str) -> &[AcceptedRecord] {
        self.accepted
            .get(&reference(self.campaign_id, contact_id, message_type))
            .map_or(&[], Vec::as_slice)
    }

    /// The reply of `contact_id`'s phone the API took, if any.
    fn delivered_reply(&self, phone: &str) -> Option<&PostedReply> {
        self.replies.get(phone).filter(|reply| reply.delivered)
    }

    /// Whether the contact's reply reached the API inside its window, i.e. earns Message 2.
    fn earns_message_2(&self, phone: &str) -> bool {
        self.delivered_reply(phone)
            .is_some_and(|reply| reply.inside(self.window))
    }

    /// The state the journey must end in.
    fn expected_state(&self, phone: &str) -> &'static str {
        match self.delivered_reply(phone) {
            Some(reply) if reply.inside(self.window) => "message_2_sent",
            Some(_) => "late_interaction",
            None => "no_interaction",
        }
    }
}

/// The reference every send of `message_type` to a contact carries.
fn reference(campaign_id: i64, contact_id: i64, message_type: &str) -> String {
    let message_type = [MessageType::Message1, MessageType::Message2]
        .into_iter()
        .find(|kind| kind.as_str() == message_type)
        .expect("a message type of the schema");
    MessageReference::new(campaign_id, contact_id, message_type).to_string()
}

/// One rule and who broke it.
pub struct Check {
    pub rule: &'static str,
    pub offenders: Vec<String>,
}

impl Check {
    pub fn passed(&self) -> bool {
        self.offenders.is_empty()
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed() {
            return write!(f, "  ok    {}", self.rule);
        }
        write!(
            f,
            "  FAIL  {} ({} offenders)",
            self.rule,
            self.offenders.len()
        )?;
        for offender in self.offenders.iter().take(MAX_OFFENDERS_SHOWN) {
            write!(f, "\n          {offender}")?;
        }
        if self.offenders.len() > MAX_OFFENDERS_SHOWN {
            write!(
                f,
                "\n          … and {} more",
                self.offenders.len() - MAX_OFFENDERS_SHOWN
            )?;
        }
        Ok(())
    }
}

/// Every check, in the order they are reported.
pub fn judge(evidence: &Evidence) -> Vec<Check> {
    vec![
        campaign_completed(evidence),
        one_message_1_per_contact(evidence),
        message_2_exactly_for_in_window_replies(evidence),
        every_reply_taken_by_the_api(evidence),
        every_reply_stored_once(evidence),
        no_in_window_reply_without_campaign(evidence),
        every_journey_final(evidence),
        journey_states_match_the_replies(evidence),
        counters_equal_a_recount(evidence),
        sent_at_is_the_providers_acceptance(evidence),
    ]
}

fn campaign_completed(evidence: &Evidence) -> Check {
    let status = evidence.campaign_status.as_deref();
    Check {
        rule: "the campaign is completed",
        offenders: (status != Some("completed"))
            .then(|| format!("campaign {}: status {status:?}", evidence.campaign_id))
            .into_iter()
            .collect(),
    }
}

fn one_message_1_per_contact(evidence: &Evidence) -> Check {
    Check {
        rule: "exactly one Message 1 per contact at the provider",
        offenders: evidence
            .contacts
            .iter()
            .filter_map(|(&contact, phone)| {
                let sends = evidence.sends(contact, "message_1").len();
                (sends != 1).then(|| format!("contact {contact} ({phone}): {sends} Message 1"))
            })
            .collect(),
    }
}

fn message_2_exactly_for_in_window_replies(evidence: &Evidence) -> Check {
    let offenders = evidence
        .contacts
        .iter()
        .filter_map(|(&contact, phone)| {
            let sends = evidence.sends(contact, "message_2").len();
            let expected = usize::from(evidence.earns_message_2(phone));
            (sends != expected).then(|| {
                format!(
                    "contact {contact} ({phone}): {sends} Message 2, expected {expected}; {}",
                    describe_reply(evidence, contact, phone)
                )
            })
        })
        .collect();
    Check {
        rule: "Message 2 exactly once to each in-window replier, never to anyone else",
        offenders,
    }
}

/// The contact's reply against its Message 1, for offender lines.
fn describe_reply(evidence: &Evidence, contact: i64, phone: &str) -> String {
    let Some(reply) = evidence.replies.get(phone) else {
        return "no reply".to_owned();
    };
    let accepted = evidence
        .sends(contact, "message_1")
        .first()
        .map(|record| record.accepted_at.timestamp_millis());
    format!(
        "reply {:?} stamped {} s, Message 1 accepted at {:?} ms ({:+} ms), {}, {} deliveries",
        reply.plan,
        reply.timestamp_secs,
        accepted,
        accepted.map_or(0, |ms| reply.timestamp_secs * 1_000 - ms),
        if reply.inside(evidence.window) {
            "inside"
        } else {
            "outside"
        },
        reply.attempts,
    )
}

fn every_reply_taken_by_the_api(evidence: &Evidence) -> Check {
    Check {
        rule: "the API took every reply (2xx) after redeliveries",
        offenders: evidence
            .replies
            .values()
            .filter(|reply| !reply.delivered)
            .map(|reply| {
                format!(
                    "{} ({}): {}",
                    reply.phone,
                    reply.provider_message_id,
                    reply.refused.clone().unwrap_or_else(|| format!(
                        "not taken after {} deliveries",
                        reply.attempts
                    ))
                )
            })
            .collect(),
    }
}

fn every_reply_stored_once(evidence: &Evidence) -> Check {
    Check {
        rule: "every reply the API took is stored exactly once",
        offenders: evidence
            .replies
            .values()
            .filter(|reply| reply.delivered)
            .filter_map(|reply| {
                let rows = evidence
                    .interactions
                    .get(&reply.provider_message_id)
                    .map_or(0, |&(rows, _)| rows);
                (rows != 1).then(|| {
                    format!(
                        "{} ({}): stored {rows} times",
                        reply.phone, reply.provider_message_id
                    )
                })
            })
            .collect(),
    }
}

fn no_in_window_reply_without_campaign(evidence: &Evidence) -> Check {
    Check {
        rule: "no in-window reply stored without its campaign",
        offenders: in_window_replies_without_campaign(evidence)
            .map(|reply| {
                format!(
                    "{} ({}): campaign_id NULL, stamped {} s, Message 1 accepted {} ms",
                    reply.phone,
                    reply.provider_message_id,
                    reply.timestamp_secs,
                    reply.message_1.accepted_at.timestamp_millis()
                )
            })
            .collect(),
    }
}

fn in_window_replies_without_campaign(evidence: &Evidence) -> impl Iterator<Item = &PostedReply> {
    evidence.replies.values().filter(|reply| {
        reply.delivered
            && reply.inside(evidence.window)
            && evidence
                .interactions
                .get(&reply.provider_message_id)
                .is_some_and(|&(_, campaign)| campaign.is_none())
    })
}

fn every_journey_final(evidence: &Evidence) -> Check {
    Check {
        rule: "every journey is in a final state",
        offenders: evidence
            .contacts
            .iter()
            .filter_map(|(contact, phone)| match evidence.journeys.get(contact) {
                Some(state) if state.parse().is_ok_and(JourneyState::is_final) => None,
                state => Some(format!("contact {contact} ({phone}): {state:?}")),
            })
            .collect(),
    }
}

fn journey_states_match_the_replies(evidence: &Evidence) -> Check {
    Check {
        rule: "in-window repliers end message_2_sent, late ones late_interaction, others no_interaction",
        offenders: evidence
            .contacts
            .iter()
            .filter_map(|(&contact, phone)| {
                let state = evidence.journeys.get(&contact).map(String::as_str);
                let expected = evidence.expected_state(phone);
                (state != Some(expected)).then(|| {
                    format!(
                        "contact {contact} ({phone}): {state:?}, expected {expected}; {}",
                        describe_reply(evidence, contact, phone)
                    )
                })
            })
            .collect(),
    }
}

fn counters_equal_a_recount(evidence: &Evidence) -> Check {
    Check {
        rule: "every campaign counter equals a recount of the rows",
        offenders: evidence
            .counters
            .iter()
            .filter(|(_, stored, recount)| stored != recount)
            .map(|(name, stored, recount)| format!("{name}: counter {stored}, recount {recount}"))
            .collect(),
    }
}

fn sent_at_is_the_providers_acceptance(evidence: &Evidence) -> Check {
    let mut offenders = Vec::new();
    for (reference, records) in &evidence.accepted {
        let accepted = records[0].accepted_at.timestamp_millis();
        match evidence.sent_at.get(reference) {
            None => offenders.push(format!(
                "{reference}: accepted at {accepted} ms, no message row"
            )),
            Some(None) => offenders.push(format!(
                "{reference}: accepted at {accepted} ms, sent_at NULL"
            )),
            Some(Some(sent_at))
                if evidence.acceptance_times && sent_at.timestamp_millis() != accepted =>
            {
                offenders.push(format!(
                    "{reference}: sent_at {} ms, accepted at {accepted} ms",
                    sent_at.timestamp_millis()
                ))
            }
            Some(Some(_)) => {}
        }
    }
    for (reference, sent_at) in &evidence.sent_at {
        if sent_at.is_some() && !evidence.accepted.contains_key(reference) {
            offenders.push(format!("{reference}: sent_at {sent_at:?}, never accepted"));
        }
    }
    offenders.sort();
    Check {
        rule: "messages.sent_at equals the provider's acceptance, to the millisecond",
        offenders,
    }
}

#[cfg(test)]
mod tests;
