//! What the engine's workflows exchange: inputs, signals, queries and results.
//!
//! A campaign run starts journeys and learns their progress from the database; the API
//! starts campaigns, signals interactions to journeys and queries both. Every type that crosses
//! a workflow boundary is here (defined or re-exported), in one place, because each is persisted in Temporal's history:
//! a field renamed here would make running workflows fail to replay. New fields get a serde
//! default for the same reason.

use campaign_domain::{
    CampaignSettings, ConsentChange, FailureKind, InteractionType, JourneyState,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// The journey's input, its task queues and the search attributes are defined beside the activity
// that starts journeys (this crate depends on that one).
pub use campaign_activities::release::{CAMPAIGN_ID, JOURNEY_STATE, JourneyInput, TaskQueues};

/// What a run hands to the next one when it continues-as-new. How far the journeys have got is
/// not carried: each run counts it from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignProgress {
    /// Journeys started so far.
    pub released: u64,
    /// The audience is read in contact id order; the last id released.
    pub after_contact_id: i64,
    pub audience_exhausted: bool,
    /// Runs before this one.
    pub previous_runs: u32,
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

/// Answer of the `progress` query, and the campaign workflow's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignStatus {
    pub released: u64,
    /// Journeys sending Message 1, as last counted.
    pub in_flight: u64,
    /// Journeys past Message 1 and not final, as last counted.
    pub waiting: u64,
    /// Journeys in each final state: counted when the campaign ends (the API's statistics are
    /// the live figures).
    pub outcomes: BTreeMap<JourneyState, u64>,
    pub runs: u32,
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
    /// The consent change the text makes (R19): an opt-out ends the journey with no Message 2.
    #[serde(default)]
    pub consent: Option<ConsentChange>,
}

/// The `message_1_failed` signal: the provider accepted Message 1, then reported that it could
/// not deliver it (Meta's failed status, SPEC §7). The journey stops waiting for a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    pub kind: FailureKind,
    pub reason: String,
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
