//! Activities of the campaign engine: every side effect a workflow needs.
//!
//! Workflows must replay deterministically, so all I/O lives here. Each activity is a thin shell
//! over [`store`] (Postgres, where invariants are enforced by constraints as well as code) and
//! [`provider`] (the WhatsApp boundary), translating their errors into Temporal's retry semantics:
//! permanent errors are non-retryable, everything else retries with the one formula of R12.

pub mod campaign;
pub mod journey;
pub mod provider;
pub mod store;
pub mod verification;

pub use campaign::{AudiencePageInput, CampaignActivities, CampaignCompletion, CloseJourneysInput};
pub use journey::{
    InteractionRecord, JourneyActivities, JourneyOutcomeInput, RecordInteractionsInput,
    SEND_HEARTBEAT_TIMEOUT, SendMessageInput, SendPolicy, SentMessage,
};
pub use store::{BreakerPolicy, Closing, Pacing, Store, StoreError};
pub use verification::{VerificationActivities, VerificationTally};
