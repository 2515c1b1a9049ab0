//! Audiences from outcomes (R23): a campaign reaches the contacts of its categories and of
//! earlier campaigns' outcome sets ("everyone who did not answer campaign 12"), minus the sets it
//! excludes ("minus everyone who replied to campaign 12").
//!
//! The sets are parsed here once ([`AudienceSet::new`]), so the store only ever holds sets that
//! mean something; what each outcome selects is one SQL function (`outcome_contacts`, in the
//! `audience_from_outcomes` migration) shared by the preview and the launch, so the count an
//! operator reads is the audience the launch snapshots.

use crate::FailureKind;
use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

/// The most outcome sets one audience may combine.
pub const MAX_AUDIENCE_SETS: usize = 20;

vocabulary! {
    /// Where a contact's journey in an earlier campaign ended up.
    pub enum AudienceOutcome {
        /// Interacted within the window (R3), whatever became of Message 2.
        RepliedInTime = "replied_in_time",
        /// Got Message 2.
        Message2Sent = "message_2_sent",
        /// Did not interact within the window.
        NoInteraction = "no_interaction",
        /// Interacted only after the window (R4).
        LateInteraction = "late_interaction",
        /// Message 1 was accepted but never reported delivered.
        Message1NotDelivered = "message_1_not_delivered",
        /// Message 1 was delivered but never read.
        DeliveredNotRead = "delivered_not_read",
        /// The journey failed (of one failure kind, when the set names one).
        Failed = "failed",
        /// Meta's per-user marketing limit held Message 1 back.
        Limited = "limited",
        /// Opted out during that campaign: only ever excluded.
        OptedOut = "opted_out",
    }
}

/// The contacts of `campaign_id` whose journey ended at `outcome`, to add to the audience or,
/// with `exclude`, to take out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "AudienceSetFields")]
pub struct AudienceSet {
    campaign_id: i64,
    outcome: AudienceOutcome,
    /// Only with `outcome = failed`: the journeys that failed with this kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_kind: Option<FailureKind>,
    /// Takes these contacts out of the audience instead of adding them.
    exclude: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AudienceSetFields {
    #[serde(deserialize_with = "crate::json_integer::integer")]
    campaign_id: i64,
    outcome: AudienceOutcome,
    #[serde(default)]
    failure_kind: Option<FailureKind>,
    #[serde(default)]
    exclude: bool,
}

impl TryFrom<AudienceSetFields> for AudienceSet {
    type Error = InvalidAudienceSet;

    fn try_from(fields: AudienceSetFields) -> Result<Self, Self::Error> {
        AudienceSet::new(
            fields.campaign_id,
            fields.outcome,
            fields.failure_kind,
            fields.exclude,
        )
    }
}

/// A set that means nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAudienceSet {
    #[error("a failure kind narrows only the `failed` outcome")]
    KindWithoutFailure,
    #[error("contacts who opted out can only be excluded")]
    OptedOutIncluded,
    #[error("campaign ids are positive")]
    CampaignId,
}

impl AudienceSet {
    pub fn new(
        campaign_id: i64,
        outcome: AudienceOutcome,
        failure_kind: Option<FailureKind>,
        exclude: bool,
    ) -> Result<Self, InvalidAudienceSet> {
        if campaign_id <= 0 {
            return Err(InvalidAudienceSet::CampaignId);
        }
        if failure_kind.is_some() && outcome != AudienceOutcome::Failed {
            return Err(InvalidAudienceSet::KindWithoutFailure);
        }
        if outcome == AudienceOutcome::OptedOut && !exclude {
            return Err(InvalidAudienceSet::OptedOutIncluded);
        }
        Ok(AudienceSet {
            campaign_id,
            outcome,
            failure_kind,
            exclude,
        })
    }

    pub fn campaign_id(&self) -> i64 {
        self.campaign_id
    }

    pub fn outcome(&self) -> AudienceOutcome {
        self.outcome
    }

    pub fn failure_kind(&self) -> Option<FailureKind> {
        self.failure_kind
    }

    pub fn exclude(&self) -> bool {
        self.exclude
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(json: serde_json::Value) -> Result<AudienceSet, serde_json::Error> {
        serde_json::from_value(json)
    }

    #[test]
    fn sets_that_mean_nothing_are_refused() {
        assert!(parse(serde_json::json!({"campaign_id": 1, "outcome": "no_interaction"})).is_ok());
        for bad in [
            serde_json::json!({"campaign_id": 1, "outcome": "opted_out"}),
            serde_json::json!({"campaign_id": 1, "outcome": "limited", "failure_kind": "auth"}),
            serde_json::json!({"campaign_id": 0, "outcome": "failed"}),
            serde_json::json!({"campaign_id": 1, "outcome": "bounced"}),
            serde_json::json!({"campaign_id": 1, "outcome": "failed", "other": true}),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_valid_set_round_trips(
            campaign_id in 1i64..1_000_000,
            outcome in proptest::sample::select(AudienceOutcome::ALL.to_vec()),
            kind in proptest::option::of(proptest::sample::select(FailureKind::ALL.to_vec())),
            exclude in any::<bool>(),
        ) {
            match AudienceSet::new(campaign_id, outcome, kind, exclude) {
                Ok(set) => {
                    let json = serde_json::to_value(set).unwrap();
                    prop_assert_eq!(parse(json).unwrap(), set);
                }
                Err(InvalidAudienceSet::KindWithoutFailure) => {
                    prop_assert!(kind.is_some() && outcome != AudienceOutcome::Failed);
                }
                Err(InvalidAudienceSet::OptedOutIncluded) => {
                    prop_assert!(outcome == AudienceOutcome::OptedOut && !exclude);
                }
                Err(InvalidAudienceSet::CampaignId) => prop_assert!(false, "ids are positive"),
            }
        }
    }
}
