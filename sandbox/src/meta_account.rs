//! The business account the sandbox plays Meta's side of: its template catalog, Meta's error
//! codes, and the account's settings, messaging limit and per-contact windows. Kept apart from
//! the Graph handlers of [`crate::meta`], so the app state holds it without importing them.

mod catalog;
mod errors;
mod state;

pub use catalog::{MetaTemplate, ParameterFormat, TemplateCategory, TemplateStatus, demo_catalog};
pub(crate) use catalog::{PARAMETER_COMPONENTS, render};
pub(crate) use errors::webhook_error;
pub use errors::{MetaErrorCode, UnknownMetaCode, error_body};
pub use state::{
    DEFAULT_META_ACCESS_TOKEN, DEFAULT_META_APP_SECRET, DEFAULT_META_PHONE_NUMBER_ID,
    DEFAULT_META_WABA_ID, InvalidMetaSettings, MessagingLimit, MetaConfig, MetaSettings,
    SERVICE_WINDOW,
};
pub(crate) use state::{MetaState, is_graph_version};
