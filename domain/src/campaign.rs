//! The lifecycle of a campaign (docs/SPEC.md, section 2).
//!
//! `draft → running → completed | failed | cancelled`; a draft may also be cancelled, or
//! scheduled (R20): `draft ⇄ scheduled → running`, or `scheduled → failed` when the launch at its
//! time is refused (the quota, an empty audience). The store moves a campaign with conditional
//! updates, so only these moves happen.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum CampaignState {
    Draft,
    /// Waiting for its launch time (R20); not editable.
    Scheduled,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl CampaignState {
    pub const ALL: [CampaignState; 6] = [
        CampaignState::Draft,
        CampaignState::Scheduled,
        CampaignState::Running,
        CampaignState::Completed,
        CampaignState::Failed,
        CampaignState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CampaignState::Draft => "draft",
            CampaignState::Scheduled => "scheduled",
            CampaignState::Running => "running",
            CampaignState::Completed => "completed",
            CampaignState::Failed => "failed",
            CampaignState::Cancelled => "cancelled",
        }
    }

    /// Whether the campaign has ended: only then can it be retried or relaunched.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            CampaignState::Completed | CampaignState::Failed | CampaignState::Cancelled
        )
    }
}

impl fmt::Display for CampaignState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a campaign closes the journeys still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closing {
    /// The 48 h cutoff (R9).
    Cutoff,
    /// An operator stopped the campaign.
    Stop,
}

/// A text that is not a campaign state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown campaign state `{0}`")]
pub struct UnknownCampaignState(pub String);

impl FromStr for CampaignState {
    type Err = UnknownCampaignState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CampaignState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownCampaignState(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_and_serialises_as_its_name() {
        for state in CampaignState::ALL {
            assert_eq!(state.as_str().parse::<CampaignState>(), Ok(state));
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        assert!("paused".parse::<CampaignState>().is_err());
    }
}
