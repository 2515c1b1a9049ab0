//! The frequency cap (R24): no contact receives more than `max_message_1` Message 1s in a rolling
//! window of `days` days, across every campaign.
//!
//! A launch leaves capped contacts out of its snapshot, and the send checks the cap again right
//! before its provider call, under the contact's row lock in the transaction that counts the call
//! (`store::sending::attempts`): two campaigns launched at once therefore never exceed it together.
//! What counts is a Message 1 whose provider call was made and that did not fail; one still in
//! flight counts, since the contact may already have it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most Message 1s a cap may allow: more is no cap.
pub const MAX_MESSAGE_1_LIMIT: u32 = 100;

/// The longest window a cap may look back over (a year).
pub const MAX_CAP_DAYS: u32 = 365;

/// At most `max_message_1` Message 1s per contact in any `days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "FrequencyCapFields")]
pub struct FrequencyCap {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    max_message_1: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 365))]
    days: u32,
}

/// The wire form, checked by [`FrequencyCap::new`] before it becomes a cap.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrequencyCapFields {
    #[serde(deserialize_with = "crate::json_integer::integer")]
    max_message_1: u32,
    #[serde(deserialize_with = "crate::json_integer::integer")]
    days: u32,
}

impl TryFrom<FrequencyCapFields> for FrequencyCap {
    type Error = InvalidFrequencyCap;

    fn try_from(fields: FrequencyCapFields) -> Result<Self, Self::Error> {
        FrequencyCap::new(fields.max_message_1, fields.days)
    }
}

/// A cap outside its bounds, or text that is not `N/Dd`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("frequency_cap: {0}")]
pub struct InvalidFrequencyCap(String);

impl FrequencyCap {
    /// The specification's default: two Message 1s in seven days.
    pub const DEFAULT: FrequencyCap = FrequencyCap {
        max_message_1: 2,
        days: 7,
    };

    pub fn new(max_message_1: u32, days: u32) -> Result<Self, InvalidFrequencyCap> {
        if !(1..=MAX_MESSAGE_1_LIMIT).contains(&max_message_1) {
            return Err(InvalidFrequencyCap(format!(
                "max_message_1 must be between 1 and {MAX_MESSAGE_1_LIMIT}, got {max_message_1}"
            )));
        }
        if !(1..=MAX_CAP_DAYS).contains(&days) {
            return Err(InvalidFrequencyCap(format!(
                "days must be between 1 and {MAX_CAP_DAYS}, got {days}"
            )));
        }
        Ok(FrequencyCap {
            max_message_1,
            days,
        })
    }

    pub fn max_message_1(self) -> u32 {
        self.max_message_1
    }

    pub fn days(self) -> u32 {
        self.days
    }

    /// Whether one more Message 1 is allowed to a contact who had `recent` in the window.
    pub fn allows_another(self, recent: i64) -> bool {
        recent < i64::from(self.max_message_1)
    }
}

/// `2/7d`: at most two Message 1s in seven days (the `FREQUENCY_CAP` setting's form).
impl fmt::Display for FrequencyCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}d", self.max_message_1, self.days)
    }
}

impl FromStr for FrequencyCap {
    type Err = InvalidFrequencyCap;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || InvalidFrequencyCap(format!("`{text}` is not of the form `2/7d`"));
        let (count, days) = text.trim().split_once('/').ok_or_else(malformed)?;
        let days = days.strip_suffix('d').ok_or_else(malformed)?;
        FrequencyCap::new(
            count.parse().map_err(|_| malformed())?,
            days.parse().map_err(|_| malformed())?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_is_two_in_seven_days() {
        assert_eq!(FrequencyCap::DEFAULT.to_string(), "2/7d");
        assert!(FrequencyCap::DEFAULT.allows_another(1));
        assert!(!FrequencyCap::DEFAULT.allows_another(2));
    }

    #[test]
    fn bounds_and_shapes_are_refused_with_a_reason() {
        for bad in [
            "0/7d", "2/0d", "101/7d", "2/366d", "2/7", "2", "a/7d", "2/7w",
        ] {
            assert!(bad.parse::<FrequencyCap>().is_err(), "{bad}");
        }
        let json = |value| serde_json::from_value::<FrequencyCap>(value);
        assert!(json(serde_json::json!({"max_message_1": 0, "days": 7})).is_err());
        assert!(json(serde_json::json!({"max_message_1": 2, "days": 7, "x": 1})).is_err());
        assert!(json(serde_json::json!({"max_message_1": 2.5, "days": 7})).is_err());
        assert_eq!(
            json(serde_json::json!({"max_message_1": 3, "days": 30})).unwrap(),
            FrequencyCap::new(3, 30).unwrap()
        );
    }

    proptest! {
        #[test]
        fn text_and_json_round_trip(count in 1u32..=MAX_MESSAGE_1_LIMIT, days in 1u32..=MAX_CAP_DAYS) {
            let cap = FrequencyCap::new(count, days).unwrap();
            prop_assert_eq!(cap.to_string().parse::<FrequencyCap>(), Ok(cap));
            let stored = serde_json::to_value(cap).unwrap();
            prop_assert_eq!(serde_json::from_value::<FrequencyCap>(stored).unwrap(), cap);
        }

        #[test]
        fn a_contact_is_allowed_exactly_below_the_cap(count in 1u32..=MAX_MESSAGE_1_LIMIT, recent in 0i64..200) {
            let cap = FrequencyCap::new(count, 7).unwrap();
            prop_assert_eq!(cap.allows_another(recent), recent < i64::from(count));
        }
    }
}
