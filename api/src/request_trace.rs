//! The span every request runs in, so each line it logs can be found by request, campaign and
//! contact (docs/OPERATIONS.md, "Logs: following one journey").
//!
//! The request id is the caller's `x-request-id` when it is a sane token (a proxy's or a client's
//! id, so one grep follows a request across them), else a new UUID; the response echoes it. The
//! campaign and contact ids are recorded into the span as soon as a request knows them: from its
//! path (`/campaigns/{id}`, `/contacts/{id}`) or, for a webhook, once the event is resolved to a
//! journey or a contact ([`record_journey`]).

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;

/// The header that carries the request id both ways.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// The longest incoming id kept: longer ones are someone's payload, not an id.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether an incoming id can go into a log line as it is: short, printable, no spaces or
/// quotes to break a line's fields apart.
fn is_sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b))
}

/// Middleware, outermost: settles the request's id (kept or new) in its `x-request-id` header,
/// where [`request_span`] reads it, and echoes it in the response.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .filter(|value| value.to_str().is_ok_and(is_sane))
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::try_from(uuid::Uuid::new_v4().to_string())
                .expect("a UUID is a valid header value")
        });
    request.headers_mut().insert(REQUEST_ID_HEADER, id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID_HEADER, id);
    response
}

/// The request's span. It names the path only: the query may carry the webhook secret
/// (`?token=`). The ids are empty until the request learns them.
pub fn request_span(request: &Request) -> Span {
    let request_id = request
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
        campaign_id = tracing::field::Empty,
        contact_id = tracing::field::Empty,
    )
}

/// Records the journey (or only the contact) a request turned out to be about into its span.
pub fn record_journey(campaign_id: Option<i64>, contact_id: Option<i64>) {
    let span = Span::current();
    if let Some(campaign_id) = campaign_id {
        span.record("campaign_id", campaign_id);
    }
    if let Some(contact_id) = contact_id {
        span.record("contact_id", contact_id);
    }
}

/// Route middleware: records the campaign or contact id a route's path names. It never rejects:
/// a path it cannot read is left to the route's own extractor.
pub async fn record_path_ids(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let route = parts.extensions.get::<MatchedPath>().cloned();
    if let (Some(route), Ok(params)) = (
        route,
        RawPathParams::from_request_parts(&mut parts, &()).await,
    ) {
        for (name, value) in &params {
            match (id_field(route.as_str(), name), value.parse::<i64>()) {
                (Some(IdField::Campaign), Ok(id)) => record_journey(Some(id), None),
                (Some(IdField::Contact), Ok(id)) => record_journey(None, Some(id)),
                _ => {}
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Which of the span's ids a path parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdField {
    Campaign,
    Contact,
}

/// A path's `{id}` is the id of the resource it is under; `{contact_id}` is always a contact.
fn id_field(route: &str, param: &str) -> Option<IdField> {
    match param {
        "contact_id" => Some(IdField::Contact),
        "id" if route.starts_with("/api/v1/campaigns/") => Some(IdField::Campaign),
        "id" if route.starts_with("/api/v1/contacts/") => Some(IdField::Contact),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_proxies_are_kept_and_anything_else_is_replaced() {
        assert!(is_sane("3f1c2a9e-7b1d-4c6e-9a77-2f0e5d8c1b44"));
        assert!(is_sane("Root=1-67891233-abcdef012345678912345678"));
        assert!(!is_sane(""));
        assert!(!is_sane("two words"));
        assert!(!is_sane("a\"b"));
        assert!(!is_sane(&"x".repeat(MAX_REQUEST_ID_LEN + 1)));
    }

    #[test]
    fn path_ids_name_the_resource_they_are_under() {
        let campaign = "/api/v1/campaigns/{id}/pause";
        assert_eq!(id_field(campaign, "id"), Some(IdField::Campaign));
        assert_eq!(
            id_field("/api/v1/contacts/{id}", "id"),
            Some(IdField::Contact)
        );
        let member = "/api/v1/categories/{id}/contacts/{contact_id}";
        assert_eq!(id_field(member, "id"), None);
        assert_eq!(id_field(member, "contact_id"), Some(IdField::Contact));
        assert_eq!(id_field("/api/v1/users/{id}", "id"), None);
    }
}
