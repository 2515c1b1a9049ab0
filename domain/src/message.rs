//! Messages and their forward-only status (R7).
//!
//! `pending → sent → delivered → read`, with `failed` reachable from `pending` or `sent`.
//! Provider acknowledgements arrive out of order and more than once; a status only ever moves
//! forward, so a late `delivered` never overwrites `read`. The same rule is written in SQL
//! (`message_status_can_advance` in the migrations) so the database enforces it too; the store's
//! `rule_agreement` test checks that the two agree.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which of the campaign's two texts a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    #[serde(rename = "message_1")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "message_1"))]
    Message1,
    #[serde(rename = "message_2")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "message_2"))]
    Message2,
}

impl MessageType {
    pub const ALL: [MessageType; 2] = [MessageType::Message1, MessageType::Message2];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Message1 => "message_1",
            MessageType::Message2 => "message_2",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Delivery status of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Sent,
    Delivered,
    Read,
    Failed,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 5] = [
        MessageStatus::Pending,
        MessageStatus::Sent,
        MessageStatus::Delivered,
        MessageStatus::Read,
        MessageStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Read => "read",
            MessageStatus::Failed => "failed",
        }
    }

    /// Whether a message in `self` may move to `next`. Staying put is not a move.
    pub fn can_advance_to(self, next: MessageStatus) -> bool {
        use MessageStatus::*;
        matches!(
            (self, next),
            (Pending, Sent | Delivered | Read | Failed)
                | (Sent, Delivered | Read | Failed)
                | (Delivered, Read)
        )
    }

    /// Whether the provider has accepted the message (R2), whatever happened after.
    pub fn was_accepted(self) -> bool {
        matches!(
            self,
            MessageStatus::Sent | MessageStatus::Delivered | MessageStatus::Read
        )
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that is not one of [`MessageStatus::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown message status `{0}`")]
pub struct UnknownMessageStatus(pub String);

impl FromStr for MessageStatus {
    type Err = UnknownMessageStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MessageStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownMessageStatus(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_status() -> impl Strategy<Value = MessageStatus> {
        proptest::sample::select(MessageStatus::ALL.to_vec())
    }

    #[test]
    fn names_match_the_database() {
        assert_eq!(
            serde_json::to_value(MessageType::Message2).unwrap(),
            MessageType::Message2.as_str()
        );
        for status in MessageStatus::ALL {
            assert_eq!(status.as_str().parse::<MessageStatus>(), Ok(status));
        }
    }

    #[test]
    fn read_never_goes_back_to_delivered() {
        assert!(!MessageStatus::Read.can_advance_to(MessageStatus::Delivered));
        assert!(!MessageStatus::Read.can_advance_to(MessageStatus::Failed));
        assert!(MessageStatus::Delivered.can_advance_to(MessageStatus::Read));
    }

    proptest! {
        /// Applying any sequence of acknowledgements never revisits a status: the walk is a
        /// strict forward path, so it has at most one step per status.
        #[test]
        fn status_only_moves_forward(updates in proptest::collection::vec(any_status(), 0..30)) {
            let mut status = MessageStatus::Pending;
            let mut visited = vec![status];
            for next in updates {
                if status.can_advance_to(next) {
                    prop_assert!(!visited.contains(&next), "{next} visited twice");
                    status = next;
                    visited.push(status);
                }
            }
            prop_assert!(visited.len() <= 4);
        }

        #[test]
        fn accepted_stays_accepted(updates in proptest::collection::vec(any_status(), 0..30)) {
            let mut status = MessageStatus::Pending;
            for next in updates {
                let was_accepted = status.was_accepted();
                if status.can_advance_to(next) { status = next; }
                if was_accepted && status != MessageStatus::Failed {
                    prop_assert!(status.was_accepted());
                }
            }
        }
    }
}
