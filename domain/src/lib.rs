//! The pure rules of the campaign engine and the vocabulary every other crate shares.
//!
//! Everything here is deterministic and free of I/O so that workflow code (which must replay
//! identically), activities, the store, the API and property tests all share one definition of
//! each rule: the interaction window (R3/R4), the forward-only message status (R7), the journey
//! state machine, the retry formula (R12), phone parsing and message personalisation (R18), the
//! campaign settings snapshot (R16), the opt-out keywords (R19), the sign-in throttle (R22), audiences from outcomes (R23), the frequency cap (R24), A/B variants (R25), and the names the engine gives workflows and messages.

pub mod audience;
pub mod audit;
pub mod campaign;
pub mod channel;
pub mod consent;
pub mod failure;
pub mod frequency_cap;
pub mod ids;
pub mod journey;
pub mod json_integer;
pub mod message;
pub mod meta_template;
pub mod phone;
pub mod progress;
pub mod quiet_hours;
pub mod retry;
pub mod role;
pub mod schedule;
pub mod send_estimate;
pub mod sending;
pub mod settings;
pub mod sign_in_throttle;
pub mod template;
#[cfg(feature = "openapi")]
pub mod text_schema;
pub mod variant;
mod vocabulary;
pub mod window;

pub use audience::{AudienceOutcome, AudienceSet, InvalidAudienceSet};
pub use audit::{ActorKind, AuditAction, AuditTarget};
pub use campaign::{CampaignState, Closing, UnknownCampaignState};
pub use channel::{Channel, MessageContent};
pub use consent::{ConsentChange, ConsentKeywords};
pub use failure::{FailureKind, UnknownFailureKind};
pub use frequency_cap::{FrequencyCap, InvalidFrequencyCap};
pub use ids::{
    CampaignWorkflowId, ConfirmationReference, IdParseError, JourneyWorkflowId, MessageReference,
    ProviderOptOutKey, ScheduledLaunchWorkflowId, VerifyNumbersWorkflowId,
};
pub use journey::{InteractionType, JourneyEvent, JourneyState, TransitionError};
pub use message::{MessageStatus, MessageType};
pub use meta_template::{
    CatalogTemplate, ParameterFormat, ParameterSource, RenderedParameter, RenderedTemplate,
    TemplateCategory, TemplateComponent, TemplateMessage, TemplateMismatch, TemplateParameter,
    TemplateStatus,
};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use progress::OpenJourneys;
pub use quiet_hours::{InvalidQuietHours, QuietHours, QuietHoursPolicy};
pub use retry::retry_delay;
pub use role::Role;
pub use schedule::{InvalidLaunchTime, LaunchTime};
pub use sending::{BreakerPolicy, SendPolicy};
pub use settings::{CampaignSettings, InvalidSettings, Pacing, SettingsOverrides};
pub use sign_in_throttle::{ClientNetwork, SignInThrottle};
pub use template::{Template, TemplateError};
pub use variant::{
    InvalidWeights, Message1Variant, Variant, choose_variant, wilson_interval, winner,
};
pub use window::{WindowDecision, classify_interaction};
