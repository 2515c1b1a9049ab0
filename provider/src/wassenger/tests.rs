use super::*;
use crate::http::MAX_REASON_BODY_CHARS;
use chrono::{DateTime, Utc};

#[test]
fn invalid_number_is_permanent() {
    let err = classify(
        400,
        r#"{"status":400,"errorCode":"invalid_phone","message":"Invalid phone number"}"#,
        None,
    );
    assert_eq!(
        err,
        ProviderError::Permanent {
            kind: FailureKind::InvalidNumber,
            reason: "HTTP 400 [invalid_phone]: Invalid phone number".to_owned()
        }
    );
    assert!(!err.is_retryable());
    assert!(!err.is_ban_risk());
}

#[test]
fn unauthorized_and_forbidden_are_permanent() {
    for status in [401, 403] {
        let err = classify(status, r#"{"message":"Invalid API token"}"#, None);
        assert!(
            matches!(err, ProviderError::Permanent { .. }),
            "{status}: {err:?}"
        );
    }
}

#[test]
fn other_client_errors_are_permanent() {
    for status in [404, 409, 413, 422] {
        assert!(matches!(
            classify(status, "", None),
            ProviderError::Permanent { .. }
        ));
    }
}

#[test]
fn too_many_requests_is_rate_limited_with_retry_after() {
    let err = classify(429, "", Some(" 30 "));
    assert_eq!(
        err,
        ProviderError::RateLimited {
            reason: "HTTP 429 (empty body)".to_owned(),
            retry_after: Some(Duration::from_secs(30)),
        }
    );
    assert!(err.is_retryable());
    assert!(err.is_ban_risk());
}

#[test]
fn http_date_retry_after_is_ignored() {
    let err = classify(429, "", Some("Wed, 21 Oct 2015 07:28:00 GMT"));
    assert!(matches!(
        err,
        ProviderError::RateLimited {
            retry_after: None,
            ..
        }
    ));
}

#[test]
fn body_mentioning_rate_limit_is_rate_limited_whatever_the_status() {
    for body in [
        r#"{"message":"Rate limit exceeded, slow down"}"#,
        r#"{"errorCode":"rate_limit_exceeded"}"#,
        "Too Many Requests",
    ] {
        let err = classify(403, body, None);
        assert!(
            matches!(err, ProviderError::RateLimited { .. }),
            "{body}: {err:?}"
        );
    }
    assert!(matches!(
        classify(503, "ratelimit", None),
        ProviderError::RateLimited { .. }
    ));
}

#[test]
fn server_errors_and_request_timeout_are_retryable() {
    for status in [408, 500, 502, 503, 504] {
        let err = classify(status, "<html>Bad gateway</html>", None);
        assert!(
            matches!(err, ProviderError::Retryable { .. }),
            "{status}: {err:?}"
        );
        assert!(!err.is_ban_risk());
    }
}

#[test]
fn unexpected_statuses_are_retryable() {
    assert!(matches!(
        classify(302, "", None),
        ProviderError::Retryable { .. }
    ));
}

#[test]
fn spam_and_blocked_reasons_are_ban_risks_but_keep_their_class() {
    let spam = classify(
        403,
        r#"{"message":"Number flagged as SPAM by WhatsApp"}"#,
        None,
    );
    assert!(matches!(spam, ProviderError::Permanent { .. }));
    assert!(spam.is_ban_risk());
    let blocked = classify(500, "device Blocked", None);
    assert!(matches!(blocked, ProviderError::Retryable { .. }));
    assert!(blocked.is_ban_risk());
    let code_only = classify(400, r#"{"errorCode":"number_blocked"}"#, None);
    assert!(code_only.is_ban_risk());
}

#[test]
fn long_bodies_are_truncated_in_reasons() {
    let body = "x".repeat(5_000);
    let reason = classify(500, &body, None).reason().to_owned();
    assert!(reason.chars().count() < MAX_REASON_BODY_CHARS + 20);
    assert!(reason.ends_with('…'));
}

#[test]
fn error_field_is_used_when_error_code_is_missing() {
    let err = classify(400, r#"{"error":"bad request"}"#, None);
    assert_eq!(err.reason(), "HTTP 400 [bad request]");
}

#[test]
fn debug_output_never_contains_the_token() {
    let client = WassengerClient::new(
        "http://localhost:1/",
        "super-secret-token",
        Duration::from_secs(1),
    )
    .expect("client builds");
    let debug = format!("{client:?}");
    assert!(!debug.contains("super-secret-token"), "{debug}");
    assert!(debug.contains("<redacted>"));
    assert_eq!(client.base_url(), "http://localhost:1");
}

#[test]
fn token_that_cannot_be_a_header_is_rejected_without_echoing_it() {
    let err = WassengerClient::new("http://localhost:1", "bad\ntoken", Duration::from_secs(1))
        .expect_err("newline is not a header character");
    assert!(!err.reason().contains("bad\ntoken"));
    assert!(matches!(err, ProviderError::Permanent { .. }));
}

#[test]
fn acceptance_time_is_read_from_created_at_and_an_unreadable_one_is_absent() {
    let message: MessageBody = parse_body(
        r#"{"id":"abc","reference":"r","createdAt":"2026-12-02T10:11:12.345Z"}"#,
        "send",
    )
    .expect("readable");
    assert_eq!(
        message.created_at,
        Some(
            DateTime::parse_from_rfc3339("2026-12-02T10:11:12.345Z")
                .unwrap()
                .with_timezone(&Utc)
        )
    );
    for body in [
        r#"{"id":"abc"}"#,
        r#"{"id":"abc","createdAt":null}"#,
        r#"{"id":"abc","createdAt":"yesterday"}"#,
        r#"{"id":"abc","createdAt":17}"#,
    ] {
        let message: MessageBody = parse_body(body, "send").expect("still accepted");
        assert_eq!(message.created_at, None, "{body}");
    }
}
