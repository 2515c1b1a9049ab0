//! The interaction window (R3, R4): an interaction counts when it was received strictly less than
//! `window` after Message 1 was accepted by the provider. Exactly at the window is late.
//! The store writes the same rule in SQL (`interaction_within_window` in the migrations); its
//! `rule_agreement` test runs both over the same generated cases.

use serde::{Deserialize, Serialize};

/// Where an interaction falls relative to the window of its journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowDecision {
    /// `received_at - sent_at < window`: may trigger Message 2.
    WithinWindow,
    /// At or after the window end: recorded, never acted on.
    Late,
}

/// Classifies an interaction received at `received_at_ms` for a Message 1 sent at `sent_at_ms`
/// (both Unix milliseconds). An interaction stamped before the send (provider clock skew) is
/// within the window: the contact cannot have answered a message they had not received, so the
/// skew is the provider's, not the contact's.
pub fn classify_interaction(
    sent_at_ms: i64,
    received_at_ms: i64,
    window_ms: u64,
) -> WindowDecision {
    let elapsed = received_at_ms.saturating_sub(sent_at_ms);
    if elapsed < 0 || (elapsed as u64) < window_ms {
        WindowDecision::WithinWindow
    } else {
        WindowDecision::Late
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exactly_at_the_window_is_late() {
        assert_eq!(
            classify_interaction(1_000, 4_000, 3_000),
            WindowDecision::Late
        );
        assert_eq!(
            classify_interaction(1_000, 3_999, 3_000),
            WindowDecision::WithinWindow
        );
    }

    proptest! {
        #[test]
        fn boundary_is_the_window(sent in 0i64..1_000_000_000_000, window in 1u64..100_000_000, offset in 0u64..200_000_000) {
            let received = sent + offset as i64;
            let decision = classify_interaction(sent, received, window);
            prop_assert_eq!(decision == WindowDecision::WithinWindow, offset < window);
        }

        /// Wassenger stamps replies in whole seconds, truncated: a reply that truly came after
        /// the acceptance (stamped with milliseconds) and inside the window may carry a stamp up
        /// to a second *before* the acceptance. Such a reply is never late.
        #[test]
        fn a_reply_stamped_in_whole_seconds_inside_the_window_is_within_it(
            sent in 946_684_800_000i64..4_102_444_800_000,
            window in 1u64..100_000_000,
            after in 0u64..100_000_000,
        ) {
            prop_assume!(after < window);
            let true_time = sent + after as i64;
            let stamped = true_time.div_euclid(1_000) * 1_000;
            prop_assert!(stamped <= true_time && true_time - stamped < 1_000);
            prop_assert_eq!(classify_interaction(sent, stamped, window), WindowDecision::WithinWindow);
        }

        #[test]
        fn later_never_becomes_earlier(sent in 0i64..1_000_000_000, window in 1u64..10_000_000, a in 0u64..20_000_000, b in 0u64..20_000_000) {
            let (early, late) = (a.min(b), a.max(b));
            // Monotone: once late, every later interaction is late too.
            if classify_interaction(sent, sent + early as i64, window) == WindowDecision::Late {
                prop_assert_eq!(classify_interaction(sent, sent + late as i64, window), WindowDecision::Late);
            }
        }
    }
}
