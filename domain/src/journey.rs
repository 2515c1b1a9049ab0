//! The contact journey state machine (SPEC §2).
//!
//! `queued → sending_message_1 → awaiting_interaction → sending_message_2 → message_2_sent`, or one
//! of the other final states. The machine is the single authority on which events move a journey:
//! the workflow applies it, the store mirrors it in SQL, and property tests check that no sequence
//! of events can enter `sending_message_2` twice.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::window::WindowDecision;

/// Where a contact is in its journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum JourneyState {
    Queued,
    #[serde(rename = "sending_message_1")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "sending_message_1"))]
    SendingMessage1,
    AwaitingInteraction,
    #[serde(rename = "sending_message_2")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "sending_message_2"))]
    SendingMessage2,
    #[serde(rename = "message_2_sent")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "message_2_sent"))]
    Message2Sent,
    NoInteraction,
    LateInteraction,
    Failed,
    Cancelled,
    /// The contact opted out (R19) before Message 2 was accepted.
    OptedOut,
    /// Meta held a message back under its per-user marketing limit (131049): not the contact's
    /// fault, never retried inside the campaign, and the contact stays eligible for later ones.
    Limited,
}

impl JourneyState {
    /// Every state, in the order of the happy path first.
    pub const ALL: [JourneyState; 11] = [
        JourneyState::Queued,
        JourneyState::SendingMessage1,
        JourneyState::AwaitingInteraction,
        JourneyState::SendingMessage2,
        JourneyState::Message2Sent,
        JourneyState::NoInteraction,
        JourneyState::LateInteraction,
        JourneyState::Failed,
        JourneyState::Cancelled,
        JourneyState::OptedOut,
        JourneyState::Limited,
    ];

    /// The name used in the database, the API and the `JourneyState` search attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            JourneyState::Queued => "queued",
            JourneyState::SendingMessage1 => "sending_message_1",
            JourneyState::AwaitingInteraction => "awaiting_interaction",
            JourneyState::SendingMessage2 => "sending_message_2",
            JourneyState::Message2Sent => "message_2_sent",
            JourneyState::NoInteraction => "no_interaction",
            JourneyState::LateInteraction => "late_interaction",
            JourneyState::Failed => "failed",
            JourneyState::Cancelled => "cancelled",
            JourneyState::OptedOut => "opted_out",
            JourneyState::Limited => "limited",
        }
    }

    /// Final states end the journey. `no_interaction` is final for the campaign, yet a late reply
    /// recorded afterwards still refines it to `late_interaction` (R4), without triggering anything.
    /// SQL has the same set as `journey_state_is_final`; the store's `rule_agreement` test
    /// compares them.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JourneyState::Message2Sent
                | JourneyState::NoInteraction
                | JourneyState::LateInteraction
                | JourneyState::Failed
                | JourneyState::Cancelled
                | JourneyState::OptedOut
                | JourneyState::Limited
        )
    }
}

impl fmt::Display for JourneyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of [`JourneyState::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown journey state `{0}`")]
pub struct UnknownJourneyState(pub String);

impl FromStr for JourneyState {
    type Err = UnknownJourneyState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JourneyState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownJourneyState(s.to_owned()))
    }
}

/// The kinds of interaction a contact can make (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum InteractionType {
    Text,
    Emoji,
    Voice,
    Audio,
    Image,
    Video,
    Document,
    Other,
}

impl InteractionType {
    pub const ALL: [InteractionType; 8] = [
        InteractionType::Text,
        InteractionType::Emoji,
        InteractionType::Voice,
        InteractionType::Audio,
        InteractionType::Image,
        InteractionType::Video,
        InteractionType::Document,
        InteractionType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InteractionType::Text => "text",
            InteractionType::Emoji => "emoji",
            InteractionType::Voice => "voice",
            InteractionType::Audio => "audio",
            InteractionType::Image => "image",
            InteractionType::Video => "video",
            InteractionType::Document => "document",
            InteractionType::Other => "other",
        }
    }

    /// Maps a Wassenger message type (`chat`, `ptt`, `sticker`, ...) to an interaction type.
    pub fn from_provider_type(provider_type: &str) -> InteractionType {
        match provider_type {
            "text" | "chat" => InteractionType::Text,
            "reaction" | "emoji" => InteractionType::Emoji,
            "ptt" | "voice" => InteractionType::Voice,
            "audio" => InteractionType::Audio,
            "image" => InteractionType::Image,
            "video" => InteractionType::Video,
            "document" => InteractionType::Document,
            _ => InteractionType::Other,
        }
    }
}

/// Something that happens to a journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JourneyEvent {
    /// The journey is released and starts sending Message 1.
    Release,
    /// The provider accepted Message 1 (R2: the window starts now).
    Message1Sent,
    /// An interaction arrived, classified against the window.
    Interaction(WindowDecision),
    /// The window timer fired with no interaction (R5).
    WindowExpired,
    /// The provider accepted Message 2.
    Message2Sent,
    /// A send failed for good (permanent error, attempts exhausted, daily limit).
    SendFailed,
    /// The campaign's 48 h cutoff (R9).
    Cutoff,
    /// An operator stopped the campaign.
    Cancel,
    /// The contact opted out (R19), or a send found them opted out: nothing more is sent.
    OptOut,
    /// The provider accepted Message 1, then reported that it cannot deliver it.
    Message1Undelivered,
    /// Meta refused a message under its per-user marketing limit (131049), in the send's answer
    /// or later in a failed status while the journey waits for an interaction.
    Limited,
}

/// An event that the current state does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("journey in state {state} cannot take event {event:?}")]
pub struct TransitionError {
    pub state: JourneyState,
    pub event: JourneyEvent,
}

impl JourneyState {
    /// The state after `event`, or an error when the event makes no sense here. Interactions
    /// that arrive once Message 2 is decided leave the state unchanged: they are recorded as
    /// duplicates, never acted on (R3).
    pub fn apply(self, event: JourneyEvent) -> Result<JourneyState, TransitionError> {
        use JourneyEvent as E;
        use JourneyState as S;
        use WindowDecision::{Late, WithinWindow};
        let next = match (self, event) {
            (S::Queued, E::Release) => S::SendingMessage1,
            (S::SendingMessage1, E::Message1Sent) => S::AwaitingInteraction,
            (S::AwaitingInteraction, E::Interaction(WithinWindow)) => S::SendingMessage2,
            (S::AwaitingInteraction, E::Interaction(Late)) => S::LateInteraction,
            (S::AwaitingInteraction, E::WindowExpired) => S::NoInteraction,
            (S::NoInteraction, E::Interaction(Late)) => S::LateInteraction,
            (S::SendingMessage2 | S::Message2Sent | S::LateInteraction, E::Interaction(_)) => self,
            (S::SendingMessage2, E::Message2Sent) => S::Message2Sent,
            (S::SendingMessage1 | S::SendingMessage2, E::SendFailed) => S::Failed,
            (S::AwaitingInteraction, E::Message1Undelivered) => S::Failed,
            (S::SendingMessage1 | S::AwaitingInteraction | S::SendingMessage2, E::Limited) => {
                S::Limited
            }
            (S::Queued | S::SendingMessage1, E::Cutoff) => S::Failed,
            (S::AwaitingInteraction, E::Cutoff) => S::NoInteraction,
            (state, E::Cancel) if !state.is_final() => S::Cancelled,
            (state, E::OptOut) if !state.is_final() => S::OptedOut,
            (state, event) => return Err(TransitionError { state, event }),
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_event() -> impl Strategy<Value = JourneyEvent> {
        prop_oneof![
            Just(JourneyEvent::Release),
            Just(JourneyEvent::Message1Sent),
            Just(JourneyEvent::Interaction(WindowDecision::WithinWindow)),
            Just(JourneyEvent::Interaction(WindowDecision::Late)),
            Just(JourneyEvent::WindowExpired),
            Just(JourneyEvent::Message2Sent),
            Just(JourneyEvent::SendFailed),
            Just(JourneyEvent::Cutoff),
            Just(JourneyEvent::Cancel),
            Just(JourneyEvent::OptOut),
            Just(JourneyEvent::Message1Undelivered),
            Just(JourneyEvent::Limited),
        ]
    }

    #[test]
    fn happy_path() {
        let state = [
            JourneyEvent::Release,
            JourneyEvent::Message1Sent,
            JourneyEvent::Interaction(WindowDecision::WithinWindow),
            JourneyEvent::Message2Sent,
        ]
        .into_iter()
        .try_fold(JourneyState::Queued, JourneyState::apply);
        assert_eq!(state, Ok(JourneyState::Message2Sent));
    }

    #[test]
    fn meta_s_marketing_limit_ends_the_journey_limited() {
        for state in [
            JourneyState::SendingMessage1,
            JourneyState::AwaitingInteraction,
            JourneyState::SendingMessage2,
        ] {
            assert_eq!(
                state.apply(JourneyEvent::Limited),
                Ok(JourneyState::Limited)
            );
        }
        assert!(JourneyState::Queued.apply(JourneyEvent::Limited).is_err());
        assert!(JourneyState::Limited.is_final());
    }

    #[test]
    fn names_round_trip() {
        for state in JourneyState::ALL {
            assert_eq!(state.as_str().parse::<JourneyState>(), Ok(state));
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        assert!("sent".parse::<JourneyState>().is_err());
    }

    proptest! {
        /// R3: whatever arrives, in whatever order, Message 2 is entered at most once.
        #[test]
        fn no_path_reaches_two_message_2s(events in proptest::collection::vec(any_event(), 0..40)) {
            let mut state = JourneyState::Queued;
            let mut message_2_entries = 0;
            for event in events {
                if let Ok(next) = state.apply(event) {
                    if next == JourneyState::SendingMessage2 && state != JourneyState::SendingMessage2 {
                        message_2_entries += 1;
                    }
                    state = next;
                }
            }
            prop_assert!(message_2_entries <= 1);
        }

        /// Final states only move by the one refinement R4 allows.
        #[test]
        fn final_states_stay_final(events in proptest::collection::vec(any_event(), 0..40)) {
            let mut state = JourneyState::Queued;
            for event in events {
                if let Ok(next) = state.apply(event) {
                    if state.is_final() && next != state {
                        prop_assert_eq!((state, next), (JourneyState::NoInteraction, JourneyState::LateInteraction));
                    }
                    state = next;
                }
            }
        }

        /// R19: once the contact opted out, Message 2 is never accepted.
        #[test]
        fn nothing_is_sent_after_an_opt_out(events in proptest::collection::vec(any_event(), 0..40)) {
            let mut state = JourneyState::Queued;
            let mut opted_out = false;
            for event in events {
                if let Ok(next) = state.apply(event) {
                    opted_out |= next == JourneyState::OptedOut;
                    prop_assert!(!(opted_out && next == JourneyState::Message2Sent));
                    state = next;
                }
            }
        }

        /// Meta's marketing limit ends the journey: nothing is sent after it, and only a journey
        /// whose Message 1 was being sent (or had left) can be limited.
        #[test]
        fn a_limited_journey_sends_nothing_more(events in proptest::collection::vec(any_event(), 0..40)) {
            let mut state = JourneyState::Queued;
            let mut limited = false;
            for event in events {
                if let Ok(next) = state.apply(event) {
                    if next == JourneyState::Limited && state != JourneyState::Limited {
                        prop_assert!(matches!(state, JourneyState::SendingMessage1
                            | JourneyState::AwaitingInteraction | JourneyState::SendingMessage2));
                    }
                    limited |= next == JourneyState::Limited;
                    prop_assert!(!(limited && next != JourneyState::Limited));
                    state = next;
                }
            }
        }

        /// Message 2 is only ever sent after Message 1 was, and only for an in-window interaction.
        #[test]
        fn message_2_needs_message_1_and_an_in_window_interaction(events in proptest::collection::vec(any_event(), 0..40)) {
            let mut state = JourneyState::Queued;
            let (mut message_1_sent, mut in_window_seen) = (false, false);
            for event in events {
                if let Ok(next) = state.apply(event) {
                    if next == JourneyState::AwaitingInteraction { message_1_sent = true; }
                    if next == JourneyState::SendingMessage2 && state == JourneyState::AwaitingInteraction {
                        in_window_seen = event == JourneyEvent::Interaction(WindowDecision::WithinWindow);
                    }
                    if next == JourneyState::Message2Sent {
                        prop_assert!(message_1_sent && in_window_seen);
                    }
                    state = next;
                }
            }
        }
    }
}
