//! Activities of the campaign engine: every side effect a workflow needs.
//!
//! Workflows must replay deterministically, so all I/O lives here. Each activity is a thin shell
//! over the store (Postgres, where invariants are enforced by constraints as well as code) and
//! the provider (the WhatsApp boundary), translating their errors into Temporal's retry
//! semantics: permanent errors are non-retryable, everything else retries with the one formula of
//! R12.

pub mod campaign;
pub mod consent;
pub mod journey;
pub mod metrics;
pub mod release;
pub mod schedule;
pub mod verification;

pub use campaign::{CampaignActivities, CampaignCompletion, CloseJourneysInput, OpenJourneysInput};
pub use consent::{ConfirmationInput, ConfirmationOutcome, ConsentActivities};
pub use journey::{
    CONTACT_LIMITED, CONTACT_OPTED_OUT, InteractionRecord, JourneyActivities, JourneyOutcomeInput,
    PACING_HORIZON, PERMANENT_SEND_FAILURE, RecordInteractionsInput, SEND_HEARTBEAT_TIMEOUT,
    SendMessageInput, SentMessage,
};
pub use metrics::{EngineMetrics, SendOutcome, SendWait};
pub use release::{JourneyPlan, ReleaseInput, Released};
pub use schedule::{LaunchScheduledInput, LaunchScheduledOutcome, ScheduleActivities};
pub use verification::{VerificationActivities, VerificationTally};
