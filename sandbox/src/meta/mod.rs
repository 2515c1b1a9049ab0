//! Meta's WhatsApp Business Cloud API, as the sandbox plays it: the Graph send endpoints, the
//! template list, the phone number's messaging limit, Meta-shaped signed webhooks and Meta's
//! error codes, so the engine's Cloud API client runs against the sandbox unchanged.
//!
//! Every shape comes from Meta's documentation (pages linked in each submodule), not from the
//! engine's client: the sandbox is the independent check of that client.

mod control;
mod delivery;
mod events;
mod graph;
mod send;

use axum::Router;
use axum::routing::{get, post};

pub(crate) use control::{change_category, change_status, inbound};
pub use delivery::{SIGNATURE_HEADER, signature};

use crate::state::AppState;

/// The Graph routes and the `/sandbox/meta` controls.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{version}/{node}/messages", post(graph::send_message))
        .route(
            "/{version}/{node}/marketing_messages",
            post(graph::send_marketing_message),
        )
        .route(
            "/{version}/{node}/message_templates",
            get(graph::list_templates),
        )
        .route("/{version}/{node}", get(graph::read_phone_number))
        .route(
            "/sandbox/meta/templates",
            get(control::get_catalog).post(control::set_catalog),
        )
        .route(
            "/sandbox/meta/templates/{name}/{language}/status",
            post(control::post_status),
        )
        .route(
            "/sandbox/meta/templates/{name}/{language}/category",
            post(control::post_category),
        )
        .route(
            "/sandbox/meta/config",
            get(control::get_settings).post(control::patch_settings),
        )
        .route("/sandbox/meta/fail_next", post(control::post_fail_next))
        .route("/sandbox/meta/inbound", post(control::post_inbound))
}
