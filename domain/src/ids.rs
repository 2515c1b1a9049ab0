//! The names the engine gives things outside its database: workflow ids and message references.
//!
//! Temporal finds a campaign's run and a contact's journey by workflow id, and the provider hands
//! back a message's `reference` in its webhooks; each format is written once, here, with its
//! parser, so the worker, the API, the store and the tests cannot drift apart. The formats are
//! part of the specification (docs/SPEC.md, section 4): changing one orphans running workflows.

use crate::MessageType;
use std::fmt;
use std::str::FromStr;

/// A text that is not one of the engine's ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {kind}")]
pub struct IdParseError {
    kind: &'static str,
    text: String,
}

impl IdParseError {
    fn new(kind: &'static str, text: &str) -> Self {
        IdParseError {
            kind,
            text: text.to_owned(),
        }
    }
}

/// Workflow id of a campaign's run: `campaign-{campaign_id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CampaignWorkflowId {
    pub campaign_id: i64,
}

impl CampaignWorkflowId {
    pub fn new(campaign_id: i64) -> Self {
        CampaignWorkflowId { campaign_id }
    }
}

impl fmt::Display for CampaignWorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "campaign-{}", self.campaign_id)
    }
}

impl FromStr for CampaignWorkflowId {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("campaign-")
            .and_then(parse_id)
            .map(CampaignWorkflowId::new)
            .ok_or_else(|| IdParseError::new("campaign workflow id", text))
    }
}

/// Workflow id of a contact's journey in a campaign: `campaign-{campaign_id}-contact-{contact_id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JourneyWorkflowId {
    pub campaign_id: i64,
    pub contact_id: i64,
}

impl JourneyWorkflowId {
    pub fn new(campaign_id: i64, contact_id: i64) -> Self {
        JourneyWorkflowId {
            campaign_id,
            contact_id,
        }
    }
}

impl fmt::Display for JourneyWorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "campaign-{}-contact-{}",
            self.campaign_id, self.contact_id
        )
    }
}

impl FromStr for JourneyWorkflowId {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_journey(text).ok_or_else(|| IdParseError::new("journey workflow id", text))
    }
}

/// The provider `reference` of a message:
/// `campaign-{campaign_id}-contact-{contact_id}-{message_type}`. Every attempt at one message
/// carries the same reference, so a retry can ask the provider whether an earlier attempt got
/// through, and a webhook quoting it names the journey it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageReference {
    pub campaign_id: i64,
    pub contact_id: i64,
    pub message_type: MessageType,
}

impl MessageReference {
    pub fn new(campaign_id: i64, contact_id: i64, message_type: MessageType) -> Self {
        MessageReference {
            campaign_id,
            contact_id,
            message_type,
        }
    }

    /// The journey this message belongs to.
    pub fn journey(&self) -> JourneyWorkflowId {
        JourneyWorkflowId::new(self.campaign_id, self.contact_id)
    }

    /// Whether `text` looks like one of the engine's references, even one it cannot parse: the
    /// provider echoes references of messages sent by other tools, which start differently.
    pub fn is_engine_reference(text: &str) -> bool {
        text.starts_with("campaign-")
    }
}

impl fmt::Display for MessageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.journey(), self.message_type)
    }
}

impl FromStr for MessageReference {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = [MessageType::Message1, MessageType::Message2]
            .into_iter()
            .find_map(|message_type| {
                let journey = text
                    .strip_suffix(message_type.as_str())?
                    .strip_suffix('-')?;
                let journey = parse_journey(journey)?;
                Some(MessageReference::new(
                    journey.campaign_id,
                    journey.contact_id,
                    message_type,
                ))
            });
        parsed.ok_or_else(|| IdParseError::new("message reference", text))
    }
}

/// Workflow id of a campaign's scheduled launch (R20): `scheduled-launch-campaign-{campaign_id}`.
/// One per campaign, so a new schedule replaces the run of an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduledLaunchWorkflowId {
    pub campaign_id: i64,
}

impl ScheduledLaunchWorkflowId {
    pub fn new(campaign_id: i64) -> Self {
        ScheduledLaunchWorkflowId { campaign_id }
    }
}

impl fmt::Display for ScheduledLaunchWorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "scheduled-launch-campaign-{}", self.campaign_id)
    }
}

impl FromStr for ScheduledLaunchWorkflowId {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("scheduled-launch-campaign-")
            .and_then(parse_id)
            .map(ScheduledLaunchWorkflowId::new)
            .ok_or_else(|| IdParseError::new("scheduled launch workflow id", text))
    }
}

/// The provider reference of an opt-out confirmation (R19), also its workflow's id:
/// `opt-out-confirmation-contact-{contact_id}-{consent_change_id}`. Never a campaign message's
/// (`campaign-…`), so its acknowledgements are not mistaken for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfirmationReference {
    pub contact_id: i64,
    pub consent_change_id: i64,
}

impl ConfirmationReference {
    pub fn new(contact_id: i64, consent_change_id: i64) -> Self {
        ConfirmationReference {
            contact_id,
            consent_change_id,
        }
    }
}

impl fmt::Display for ConfirmationReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "opt-out-confirmation-contact-{}-{}",
            self.contact_id, self.consent_change_id
        )
    }
}

impl FromStr for ConfirmationReference {
    type Err = IdParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix("opt-out-confirmation-contact-")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(contact, change)| Some((parse_id(contact)?, parse_id(change)?)))
            .map(|(contact_id, change_id)| ConfirmationReference::new(contact_id, change_id))
            .ok_or_else(|| IdParseError::new("opt-out confirmation reference", text))
    }
}

fn parse_journey(text: &str) -> Option<JourneyWorkflowId> {
    let (campaign, contact) = text.strip_prefix("campaign-")?.split_once("-contact-")?;
    Some(JourneyWorkflowId::new(
        parse_id(campaign)?,
        parse_id(contact)?,
    ))
}

/// The id of one bulk number check (`VerifyNumbers`): `verify-numbers-{run}`, `run` a token
/// fresh for each request (a UUID), since checking the same contacts twice is two runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerifyNumbersWorkflowId {
    pub run: String,
}

impl VerifyNumbersWorkflowId {
    pub fn new(run: impl Into<String>) -> Self {
        VerifyNumbersWorkflowId { run: run.into() }
    }
}

impl fmt::Display for VerifyNumbersWorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "verify-numbers-{}", self.run)
    }
}

/// The key of an opt-out the provider reported instead of the contact (Meta's 131050):
/// `{message}:provider-opt-out`, `message` naming the refused message (its provider id in a
/// status webhook, its reference when the send was refused), so a redelivered report records
/// one consent change (R19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProviderOptOutKey<'a> {
    pub message: &'a str,
}

impl<'a> ProviderOptOutKey<'a> {
    pub fn new(message: &'a str) -> Self {
        ProviderOptOutKey { message }
    }
}

impl fmt::Display for ProviderOptOutKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:provider-opt-out", self.message)
    }
}

/// A database id as written in a name: decimal digits only (no sign, no `+`), so that every
/// name has exactly one spelling.
fn parse_id(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_runs_and_provider_opt_outs_keep_their_formats() {
        assert_eq!(
            VerifyNumbersWorkflowId::new("0123abcd").to_string(),
            "verify-numbers-0123abcd"
        );
        assert_eq!(
            ProviderOptOutKey::new("wamid.X1").to_string(),
            "wamid.X1:provider-opt-out"
        );
    }
    use proptest::prelude::*;

    fn message_type() -> impl Strategy<Value = MessageType> {
        prop_oneof![Just(MessageType::Message1), Just(MessageType::Message2)]
    }

    proptest! {
        #[test]
        fn every_name_reads_back_as_itself(
            campaign_id in 0..i64::MAX,
            contact_id in 0..i64::MAX,
            message_type in message_type(),
        ) {
            let campaign = CampaignWorkflowId::new(campaign_id);
            prop_assert_eq!(campaign.to_string().parse::<CampaignWorkflowId>(), Ok(campaign));
            let journey = JourneyWorkflowId::new(campaign_id, contact_id);
            prop_assert_eq!(journey.to_string().parse::<JourneyWorkflowId>(), Ok(journey));
            let reference = MessageReference::new(campaign_id, contact_id, message_type);
            prop_assert_eq!(reference.to_string().parse::<MessageReference>(), Ok(reference));
            prop_assert!(MessageReference::is_engine_reference(&reference.to_string()));
            let launch = ScheduledLaunchWorkflowId::new(campaign_id);
            prop_assert_eq!(launch.to_string().parse::<ScheduledLaunchWorkflowId>(), Ok(launch));
            let confirmation = ConfirmationReference::new(contact_id, campaign_id);
            prop_assert_eq!(confirmation.to_string().parse::<ConfirmationReference>(), Ok(confirmation));
            prop_assert!(!MessageReference::is_engine_reference(&confirmation.to_string()));
        }

        #[test]
        fn kinds_are_never_confused(campaign_id in 0..i64::MAX, contact_id in 0..i64::MAX) {
            let journey = JourneyWorkflowId::new(campaign_id, contact_id).to_string();
            prop_assert!(journey.parse::<CampaignWorkflowId>().is_err());
            prop_assert!(journey.parse::<MessageReference>().is_err());
            let campaign = CampaignWorkflowId::new(campaign_id).to_string();
            prop_assert!(campaign.parse::<JourneyWorkflowId>().is_err());
        }
    }

    #[test]
    fn the_formats_are_the_documented_ones() {
        assert_eq!(CampaignWorkflowId::new(12).to_string(), "campaign-12");
        assert_eq!(
            JourneyWorkflowId::new(12, 345).to_string(),
            "campaign-12-contact-345"
        );
        assert_eq!(
            MessageReference::new(12, 345, MessageType::Message1).to_string(),
            "campaign-12-contact-345-message_1"
        );
        assert_eq!(
            ScheduledLaunchWorkflowId::new(12).to_string(),
            "scheduled-launch-campaign-12"
        );
        assert_eq!(
            ConfirmationReference::new(345, 6).to_string(),
            "opt-out-confirmation-contact-345-6"
        );
    }

    #[test]
    fn foreign_or_malformed_texts_are_refused() {
        for text in [
            "",
            "campaign-",
            "campaign--1",
            "campaign-+1",
            "campaign-1:contact-7:step-0",
            "campaign-12-contact-345-message_3",
            "campaign-x-contact-1-message_1",
            "order-12",
        ] {
            assert!(text.parse::<MessageReference>().is_err(), "{text}");
            assert!(text.parse::<CampaignWorkflowId>().is_err(), "{text}");
        }
    }
}
