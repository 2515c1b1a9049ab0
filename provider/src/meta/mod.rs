//! Meta's WhatsApp Business Cloud API: the official provider (SPEC §7).
//!
//! The Cloud API differs from Wassenger in ways that reach the domain, so this module keeps
//! each of them in one place:
//! * [`client`]: sends (a business-initiated message must be an approved template; marketing
//!   templates go to `/marketing_messages`), the template catalog and the messaging limit;
//! * [`errors`]: Meta's numeric error codes, each mapped once to what the engine does;
//! * [`webhook`]: the signed notifications Meta posts (replies, statuses, template and limit
//!   changes), read tolerantly;
//! * [`signature`]: the `X-Hub-Signature-256` check that comes before any reading.
//!
//! Every shape here comes from Meta's documentation; each module names its pages.

pub mod client;
pub mod errors;
pub mod limits;
pub mod request;
pub mod signature;
pub mod templates;
pub mod webhook;

pub use client::{MetaClient, MetaSettings};
pub use errors::{classify_error, classify_response, naming_template};
pub use signature::{SignatureError, sign, verify_signature};
pub use webhook::{MalformedNotification, MetaNotification};
