//! The pure rules of the campaign engine.
//!
//! Everything here is deterministic and free of I/O so that workflow code (which must replay
//! identically), activities, the API and property tests all share one definition of each rule:
//! the interaction window (R3/R4), the forward-only message status (R7), the journey state
//! machine, the retry formula (R12), phone parsing and message personalisation (R18).

pub mod journey;
pub mod message;
pub mod phone;
pub mod retry;
pub mod template;
pub mod window;

pub use journey::{InteractionType, JourneyEvent, JourneyState, TransitionError};
pub use message::{MessageStatus, MessageType};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use retry::retry_delay;
pub use template::{Template, TemplateError};
pub use window::{WindowDecision, classify_interaction};
