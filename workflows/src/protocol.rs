//! What the engine's workflows exchange: inputs, signals, queries and results.
//!
//! A campaign run starts journeys as children and learns their progress by signal; the API
//! starts campaigns, signals interactions to journeys and queries both. Every type that crosses
//! a workflow boundary is here, in one place, because each is persisted in Temporal's history:
//! a field renamed here would make running workflows fail to replay. New fields get a serde
//! default for the same reason.

use campaign_domain::{CampaignSettings, InteractionType, JourneyState, Pacing, SendPolicy};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use temporalio_common::search_attributes::SearchAttributeKey;

/// Search attribute with the campaign id, on campaign and journey runs.
pub const CAMPAIGN_ID: SearchAttributeKey<String> = SearchAttributeKey::keyword("CampaignId");
/// Search attribute with a journey's current state, kept current as it moves.
pub const JOURNEY_STATE: SearchAttributeKey<String> = SearchAttributeKey::keyword("JourneyState");

/// What a run hands to the next one when it continues-as-new.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignProgress {
    /// Journeys started so far.
    pub released: u64,
    /// The audience is read in contact id order; the last id released.
    pub after_contact_id: i64,
    pub audience_exhausted: bool,
    /// Journeys done with Message 1: reported waiting, or finished without waiting.
    pub past_message_1: u64,
    /// Final journey states reported so far.
    pub outcomes: BTreeMap<JourneyState, u64>,
    /// Runs before this one.
    pub previous_runs: u32,
}

impl CampaignProgress {
    pub fn finished(&self) -> u64 {
        self.outcomes.values().sum()
    }

    /// Journeys released and not yet final.
    pub fn open(&self) -> u64 {
        self.released.saturating_sub(self.finished())
    }

    /// Journeys released and still sending Message 1: the sliding window.
    pub fn in_flight(&self) -> u64 {
        self.released.saturating_sub(self.past_message_1)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignInput {
    pub campaign_id: i64,
    pub settings: CampaignSettings,
    pub task_queues: TaskQueues,
    /// Launch time, Unix milliseconds: the cutoff runs from it.
    pub started_at_ms: i64,
    pub progress: CampaignProgress,
}

/// The `journey_finished` signal a journey sends its campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyReport {
    pub contact_id: i64,
    pub state: JourneyState,
    /// Whether the journey reported `journey_waiting` before, so it already left the window.
    pub reported_waiting: bool,
    /// The campaign start the journey belongs to (see [`ReportTo`]).
    pub campaign_started_at_ms: i64,
}

/// Answer of the `progress` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignStatus {
    pub released: u64,
    /// Journeys sending Message 1.
    pub in_flight: u64,
    /// Journeys waiting for an interaction.
    pub waiting: u64,
    pub outcomes: BTreeMap<JourneyState, u64>,
    pub runs: u32,
}

/// Task queues of a journey's sends: Message 2 has a queue of its own so that it is never
/// queued behind bulk Message 1 traffic (R11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskQueues {
    pub message_1: String,
    pub message_2: String,
}

/// Everything a journey needs, fixed at launch (R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyInput {
    pub campaign_id: i64,
    pub contact_id: i64,
    /// The interaction window, 24 h in production.
    pub interaction_window_ms: u64,
    pub send_policy: SendPolicy,
    pub task_queues: TaskQueues,
    /// The campaign run to report to (`journey_waiting`, `journey_finished`), if any.
    pub report_to: Option<ReportTo>,
    /// R11 pacing of Message 1, when the campaign paces its sends.
    pub pacing: Option<Pacing>,
}

/// Where a journey reports, and for which start of its campaign: a retry starts the campaign
/// workflow again under the same id, and must not count reports of journeys from before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTo {
    pub workflow_id: String,
    /// The campaign input's `started_at_ms`, which a retry renews.
    pub campaign_started_at_ms: i64,
}

/// The `interaction` signal: a contact replied, reacted or sent media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    /// The provider's id of the inbound message; deduplicates redelivered webhooks.
    pub provider_message_id: String,
    pub interaction_type: InteractionType,
    pub phone: String,
    pub content: Option<String>,
    /// When the provider received it, Unix milliseconds; decides the window (R3).
    pub received_at_ms: i64,
}

/// Answer of the `state` query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyStatus {
    pub state: JourneyState,
    pub message_1_sent_at_ms: Option<i64>,
    pub interactions: u32,
    pub failure_reason: Option<String>,
}

/// The result of a finished journey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JourneyOutcome {
    pub state: JourneyState,
    pub failure_reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(
        released: u64,
        past_message_1: u64,
        outcomes: &[(JourneyState, u64)],
    ) -> CampaignProgress {
        CampaignProgress {
            released,
            past_message_1,
            outcomes: outcomes.iter().copied().collect(),
            ..CampaignProgress::default()
        }
    }

    #[test]
    fn finished_counts_every_final_state() {
        let progress = progress(
            10,
            8,
            &[
                (JourneyState::Message2Sent, 3),
                (JourneyState::NoInteraction, 2),
                (JourneyState::Failed, 1),
            ],
        );
        assert_eq!(progress.finished(), 6);
        assert_eq!(progress.open(), 4);
    }

    #[test]
    fn in_flight_is_what_has_not_got_past_message_1() {
        // Waiting journeys have left the window though they are still open.
        let progress = progress(10, 8, &[(JourneyState::Message2Sent, 3)]);
        assert_eq!(progress.in_flight(), 2);
        assert_eq!(progress.open(), 7);
    }

    #[test]
    fn nothing_released_is_nothing_open_or_in_flight() {
        let progress = CampaignProgress::default();
        assert_eq!(
            (progress.finished(), progress.open(), progress.in_flight()),
            (0, 0, 0)
        );
    }

    #[test]
    fn more_reports_than_releases_never_underflow() {
        let progress = progress(1, 3, &[(JourneyState::Cancelled, 2)]);
        assert_eq!((progress.open(), progress.in_flight()), (0, 0));
    }
}
