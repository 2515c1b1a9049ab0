//! How a journey reads the interactions that reached it: opt-outs (R19), the window (R3, R4),
//! and the records its activities write.

use campaign_activities::{InteractionRecord, RecordInteractionsInput};
use campaign_domain::{ConsentChange, WindowDecision, classify_interaction};

use crate::protocol::{Interaction, JourneyInput};

/// Whether a batch of interactions leaves the contact opted out (R19): its last consent change
/// is an opt-out, whatever replies came before it in the batch.
pub(super) fn opts_out(batch: &[Interaction]) -> bool {
    batch
        .iter()
        .rev()
        .find_map(|interaction| interaction.consent)
        == Some(ConsentChange::OptOut)
}

/// Classifies a batch of interactions against the window. Any interaction inside the window
/// triggers Message 2; a batch with none is late.
pub(super) fn classify(
    input: &JourneyInput,
    sent_at_ms: i64,
    arrived: Vec<Interaction>,
) -> (Vec<InteractionRecord>, WindowDecision) {
    let records: Vec<InteractionRecord> = arrived
        .into_iter()
        .map(|interaction| {
            let decision = classify_interaction(
                sent_at_ms,
                interaction.received_at_ms,
                input.interaction_window_ms,
            );
            InteractionRecord {
                provider_message_id: interaction.provider_message_id,
                interaction_type: interaction.interaction_type,
                phone: interaction.phone,
                content: interaction.content,
                received_at_ms: interaction.received_at_ms,
                within_window: decision == WindowDecision::WithinWindow,
            }
        })
        .collect();
    let decision = if records.iter().any(|record| record.within_window) {
        WindowDecision::WithinWindow
    } else {
        WindowDecision::Late
    };
    (records, decision)
}

/// The input of both recording activities (on time and late): the journey's interactions.
pub(super) fn interactions_of(
    input: &JourneyInput,
    interactions: Vec<InteractionRecord>,
) -> RecordInteractionsInput {
    RecordInteractionsInput {
        campaign_id: input.campaign_id,
        contact_id: input.contact_id,
        interactions,
    }
}
