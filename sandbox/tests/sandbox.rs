//! Drives a real sandbox over HTTP with the engine's own `WassengerClient`, so these tests pin
//! down both sides of the provider boundary: what the sandbox answers and how the client
//! classifies it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use campaign_provider::{
    OutgoingContent, OutgoingMessage, ProviderError, WassengerClient, WhatsAppProvider,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wa_sandbox::{
    DEFAULT_TOKEN, Faults, ReplyKind, SandboxConfig, SandboxHandle, WEBHOOK_SECRET_HEADER,
};

/// How long a test waits for an expected webhook event before failing.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A sandbox with quick acks and no replies unless a test asks for them.
fn quiet_config() -> SandboxConfig {
    SandboxConfig {
        reply_probability: 0.0,
        ack_delay: Duration::from_millis(5),
        reply_delay: Duration::from_millis(5),
        ..SandboxConfig::default()
    }
}

async fn start(config: SandboxConfig) -> SandboxHandle {
    wa_sandbox::spawn(config, loopback())
        .await
        .expect("sandbox starts")
}

fn client_with_timeout(handle: &SandboxHandle, timeout: Duration) -> WassengerClient {
    WassengerClient::new(&handle.base_url, DEFAULT_TOKEN, timeout).expect("client builds")
}

fn client(handle: &SandboxHandle) -> WassengerClient {
    client_with_timeout(handle, Duration::from_secs(5))
}

fn outgoing(phone: &str, reference: &str) -> OutgoingMessage {
    OutgoingMessage {
        phone: phone.to_owned(),
        content: OutgoingContent::text(format!("Hello {reference}")),
        reference: reference.to_owned(),
    }
}

/// A tiny webhook receiver: forwards `(secret header, body)` of every event to a channel, after
/// answering `500` to the first `failures` requests.
struct Receiver {
    url: String,
    events: mpsc::UnboundedReceiver<(Option<String>, Value)>,
}

#[derive(Clone)]
struct ReceiverState {
    failures_left: Arc<AtomicUsize>,
    events: mpsc::UnboundedSender<(Option<String>, Value)>,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    let failing = state
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let secret = headers
        .get(WEBHOOK_SECRET_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    // The test may have stopped listening; losing the event is then harmless.
    let _ = state.events.send((secret, body));
    StatusCode::OK
}

async fn receiver(failures: usize) -> Receiver {
    let (sender, events) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/webhooks/wassenger", post(receive))
        .with_state(ReceiverState {
            failures_left: Arc::new(AtomicUsize::new(failures)),
            events: sender,
        });
    let listener = tokio::net::TcpListener::bind(loopback())
        .await
        .expect("receiver binds");
    let addr = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver {
        url: format!("http://{addr}/webhooks/wassenger"),
        events,
    }
}

impl Receiver {
    async fn next(&mut self) -> (Option<String>, Value) {
        tokio::time::timeout(EVENT_TIMEOUT, self.events.recv())
            .await
            .expect("webhook event arrives in time")
            .expect("receiver is running")
    }

    async fn expect_silence(&mut self, wait: Duration) {
        if let Ok(Some((_, event))) = tokio::time::timeout(wait, self.events.recv()).await {
            panic!("unexpected webhook event: {event}");
        }
    }
}

fn assert_ack(event: &Value, ack: &str, message_id: &str, reference: &str, phone: &str) {
    assert_eq!(event["event"], "message:out:ack", "{event}");
    assert_eq!(event["ack"], ack, "{event}");
    assert_eq!(event["data"]["ack"], ack);
    assert_eq!(event["data"]["id"], message_id);
    assert_eq!(event["data"]["reference"], reference);
    assert_eq!(event["data"]["toNumber"], phone);
    assert_eq!(event["data"]["flow"], "outbound");
    assert!(event["device"]["id"].is_string());
    assert!(event["created"].is_i64());
}

#[tokio::test]
async fn accepted_send_is_recorded_and_found_by_reference() {
    let sandbox = start(quiet_config()).await;
    let client = client(&sandbox);

    let accepted = client
        .send_message(&outgoing("+34600111222", "camp-1:contact-1:m1"))
        .await
        .expect("send accepted");

    let id = accepted.provider_message_id.clone();
    assert_eq!(id.len(), 24, "{id}");
    let records = sandbox.accepted();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].id, id);
    assert_eq!(records[0].phone, "+34600111222");
    assert_eq!(records[0].message, "Hello camp-1:contact-1:m1");
    assert_eq!(records[0].reference.as_deref(), Some("camp-1:contact-1:m1"));
    assert_eq!(
        accepted.accepted_at,
        Some(records[0].accepted_at),
        "the send answer carries the acceptance time"
    );
    assert_eq!(sandbox.accepted_for("34600111222").len(), 1);

    let found = client
        .find_by_reference("camp-1:contact-1:m1")
        .await
        .expect("search works");
    assert_eq!(found, Some(accepted));
    assert_eq!(
        client
            .find_by_reference("camp-1:contact-1:m2")
            .await
            .expect("search works"),
        None
    );

    let listed: Vec<Value> = reqwest::get(format!(
        "{}/sandbox/messages?phone=34600111222",
        sandbox.base_url
    ))
    .await
    .expect("list request")
    .json()
    .await
    .expect("list body");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], json!(id));
    assert_eq!(listed[0]["phone"], "+34600111222");
    let accepted_at = listed[0]["accepted_at"].as_str().expect("date");
    assert!(
        accepted_at.ends_with('Z') && accepted_at.len() == 24,
        "{accepted_at}"
    );

    sandbox.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn fail_next_fails_twice_with_500_then_succeeds() {
    let sandbox = start(quiet_config()).await;
    let client = client(&sandbox);
    sandbox.fail_next(500, 2).expect("valid status");
    let message = outgoing("+34600111223", "camp-1:contact-2:m1");

    for _ in 0..2 {
        let err = client
            .send_message(&message)
            .await
            .expect_err("injected 500");
        assert!(matches!(err, ProviderError::Retryable { .. }), "{err:?}");
        assert!(err.reason().contains("500"), "{err}");
    }
    assert!(
        sandbox.accepted().is_empty(),
        "failed sends are not recorded"
    );

    client
        .send_message(&message)
        .await
        .expect("third send succeeds");
    assert_eq!(sandbox.accepted_for("+34600111223").len(), 1);
    assert!(sandbox.faults().fail_next.is_empty());
}

#[tokio::test]
async fn too_many_requests_is_rate_limited_and_a_ban_risk() {
    let sandbox = start(quiet_config()).await;
    sandbox
        .set_faults(Faults {
            rate_limit_rate: 1.0,
            ..Faults::default()
        })
        .expect("valid faults");

    let err = client(&sandbox)
        .send_message(&outgoing("+34600111224", "camp-1:contact-3:m1"))
        .await
        .expect_err("rate limited");

    assert!(
        matches!(
            err,
            ProviderError::RateLimited {
                retry_after: Some(delay),
                ..
            } if delay == Duration::from_secs(1)
        ),
        "{err:?}"
    );
    assert!(err.is_ban_risk());
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn error_rate_fails_sends_with_retryable_errors() {
    let sandbox = start(quiet_config()).await;
    sandbox
        .set_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        })
        .expect("valid faults");

    let err = client(&sandbox)
        .send_message(&outgoing("+34600111225", "camp-1:contact-4:m1"))
        .await
        .expect_err("injected error");

    assert!(matches!(err, ProviderError::Retryable { .. }), "{err:?}");
    assert!(!err.is_ban_risk());
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn invalid_phones_are_permanent_failures() {
    let sandbox = start(quiet_config()).await;
    let client = client(&sandbox);

    for phone in ["+34 600 111 222", "+1234567", "+1234567890123456", "phone"] {
        let err = client
            .send_message(&outgoing(phone, "camp-1:contact-5:m1"))
            .await
            .expect_err("invalid phone");
        assert!(
            matches!(err, ProviderError::Permanent { .. }),
            "{phone}: {err:?}"
        );
        assert!(err.reason().contains("invalid_phone"), "{err}");
    }
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn empty_and_oversized_messages_are_permanent_failures() {
    let sandbox = start(quiet_config()).await;
    let client = client(&sandbox);
    let mut message = outgoing("+34600111226", "camp-1:contact-6:m1");

    message.content = OutgoingContent::text("   ");
    let err = client.send_message(&message).await.expect_err("empty");
    assert!(matches!(err, ProviderError::Permanent { .. }), "{err:?}");

    message.content = OutgoingContent::text("x".repeat(4097));
    let err = client.send_message(&message).await.expect_err("too long");
    assert!(err.reason().contains("message_too_long"), "{err}");

    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn wrong_token_is_a_permanent_failure() {
    let sandbox = start(quiet_config()).await;
    let client = WassengerClient::new(&sandbox.base_url, "not-the-token", Duration::from_secs(5))
        .expect("client builds");

    let err = client
        .send_message(&outgoing("+34600111227", "camp-1:contact-7:m1"))
        .await
        .expect_err("unauthorized");

    assert!(matches!(err, ProviderError::Permanent { .. }), "{err:?}");
    assert!(err.reason().starts_with("HTTP 401"), "{err}");
    assert!(!format!("{client:?}").contains("not-the-token"));
}

#[tokio::test]
async fn number_exists_honours_unknown_numbers_with_or_without_plus() {
    let sandbox = start(SandboxConfig {
        unknown_numbers: vec!["15550001111".to_owned()],
        ..quiet_config()
    })
    .await;
    let client = client(&sandbox);

    assert!(!client.number_exists("+15550001111").await.expect("answer"));
    assert!(!client.number_exists("15550001111").await.expect("answer"));
    assert!(client.number_exists("+34600111228").await.expect("answer"));
    assert!(client.number_exists("34600111228").await.expect("answer"));
    let err = client.number_exists("12").await.expect_err("invalid");
    assert!(matches!(err, ProviderError::Permanent { .. }), "{err:?}");
}

#[tokio::test]
async fn timed_out_send_is_still_accepted_and_found_by_reference() {
    let sandbox = start(quiet_config()).await;
    sandbox
        .set_faults(Faults {
            latency_ms: 500,
            ..Faults::default()
        })
        .expect("valid faults");
    let impatient = client_with_timeout(&sandbox, Duration::from_millis(100));

    let err = impatient
        .send_message(&outgoing("+34600111229", "camp-1:contact-9:m1"))
        .await
        .expect_err("client times out");
    assert!(matches!(err, ProviderError::Retryable { .. }), "{err:?}");

    // The sandbox finishes the request anyway, as the real API would.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while sandbox.accepted().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "send never recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sandbox.set_faults(Faults::default()).expect("valid faults");
    let found = client(&sandbox)
        .find_by_reference("camp-1:contact-9:m1")
        .await
        .expect("search works")
        .expect("the timed-out send was accepted");
    assert_eq!(found.provider_message_id, sandbox.accepted()[0].id);
    assert_eq!(
        found.accepted_at,
        Some(sandbox.accepted()[0].accepted_at),
        "the search gives the acceptance time, not the time of the search"
    );
}

#[tokio::test]
async fn webhooks_ack_then_reply_quoting_the_message_with_the_secret() {
    let mut hooks = receiver(0).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(hooks.url.clone()),
        webhook_secret: Some("s3cret".to_owned()),
        reply_probability: 1.0,
        reply_types: vec![ReplyKind::Text],
        ..quiet_config()
    })
    .await;

    let accepted = client(&sandbox)
        .send_message(&outgoing("+34600111230", "camp-2:contact-1:m1"))
        .await
        .expect("send accepted");
    let id = accepted.provider_message_id.as_str();

    for ack in ["sent", "delivered", "read"] {
        let (secret, event) = hooks.next().await;
        assert_eq!(secret.as_deref(), Some("s3cret"));
        assert_ack(&event, ack, id, "camp-2:contact-1:m1", "+34600111230");
    }
    let (secret, reply) = hooks.next().await;
    assert_eq!(secret.as_deref(), Some("s3cret"));
    assert_eq!(reply["event"], "message:in:new", "{reply}");
    let data = &reply["data"];
    assert_eq!(data["type"], "text");
    assert_eq!(data["flow"], "inbound");
    assert_eq!(data["fromNumber"], "+34600111230");
    assert_eq!(data["from"], "34600111230@c.us");
    assert_eq!(data["toNumber"], reply["device"]["phone"]);
    assert!(data["body"].as_str().is_some_and(|body| !body.is_empty()));
    assert!(data["date"].is_string() && data["timestamp"].is_i64());
    assert_eq!(data["quoted"]["id"], id);
    assert_eq!(data["quoted"]["reference"], "camp-2:contact-1:m1");
    hooks.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn config_endpoint_switches_webhooks_on_at_runtime_for_reactions() {
    let mut hooks = receiver(0).await;
    let sandbox = start(quiet_config()).await;
    let http = reqwest::Client::new();

    let view: Value = http
        .post(format!("{}/sandbox/config", sandbox.base_url))
        .json(&json!({
            "webhook_url": hooks.url,
            "webhook_secret": "another-secret",
            "reply_probability": 1.0,
            "reply_delay_ms": 1,
            "ack_delay_ms": 1,
            "reply_types": ["emoji"],
        }))
        .send()
        .await
        .expect("config request")
        .json()
        .await
        .expect("config body");
    assert_eq!(view["webhook_secret_set"], true);
    assert_eq!(view["reply_types"], json!(["reaction"]));
    assert!(!view.to_string().contains("another-secret"), "{view}");

    let accepted = client(&sandbox)
        .send_message(&outgoing("+34600111231", "camp-2:contact-2:m1"))
        .await
        .expect("send accepted");
    for _ in 0..3 {
        let (_, event) = hooks.next().await;
        assert_eq!(event["event"], "message:out:ack");
    }
    let (secret, reaction) = hooks.next().await;
    assert_eq!(secret.as_deref(), Some("another-secret"));
    assert_eq!(reaction["event"], "message:reaction", "{reaction}");
    assert_eq!(reaction["data"]["type"], "reaction");
    assert!(reaction["data"]["reaction"].is_string());
    assert_eq!(
        reaction["data"]["quoted"]["id"],
        json!(accepted.provider_message_id)
    );
}

#[tokio::test]
async fn failed_webhook_deliveries_are_retried_in_order() {
    let mut hooks = receiver(2).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(hooks.url.clone()),
        ..quiet_config()
    })
    .await;

    let accepted = client(&sandbox)
        .send_message(&outgoing("+34600111232", "camp-2:contact-3:m1"))
        .await
        .expect("send accepted");

    for ack in ["sent", "delivered", "read"] {
        let (secret, event) = hooks.next().await;
        assert_eq!(secret, None, "no secret configured");
        assert_ack(
            &event,
            ack,
            &accepted.provider_message_id,
            "camp-2:contact-3:m1",
            "+34600111232",
        );
    }
}

#[tokio::test]
async fn unknown_numbers_are_only_acked_sent_and_never_answer() {
    let mut hooks = receiver(0).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(hooks.url.clone()),
        reply_probability: 1.0,
        unknown_numbers: vec!["+15550002222".to_owned()],
        ..quiet_config()
    })
    .await;

    client(&sandbox)
        .send_message(&outgoing("+15550002222", "camp-2:contact-4:m1"))
        .await
        .expect("accepted: the queue does not check numbers");

    let (_, event) = hooks.next().await;
    assert_eq!(event["ack"], "sent");
    hooks.expect_silence(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn control_api_validates_input_and_answers_wassenger_shaped_errors() {
    let sandbox = start(quiet_config()).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", sandbox.base_url);

    // A scripted failure with a custom body, set over HTTP.
    let response = http
        .post(url("/sandbox/faults"))
        .json(&json!({"fail_next": [{"status": 503, "body": "upstream down", "count": 1}]}))
        .send()
        .await
        .expect("faults request");
    assert_eq!(response.status(), StatusCode::OK);
    let err = client(&sandbox)
        .send_message(&outgoing("+34600111233", "camp-3:contact-1:m1"))
        .await
        .expect_err("scripted failure");
    assert!(matches!(err, ProviderError::Retryable { .. }), "{err:?}");
    assert!(err.reason().contains("upstream down"), "{err}");
    let faults: Value = http
        .get(url("/sandbox/faults"))
        .send()
        .await
        .expect("faults request")
        .json()
        .await
        .expect("faults body");
    assert_eq!(faults["fail_next"], json!([]));

    // Invalid faults, malformed JSON and unknown fields are 400s in Wassenger's shape.
    for body in [
        r#"{"error_rate": 2.0}"#,
        r#"{"fail_next": [{"status": 200, "count": 1}]}"#,
        r#"{"error_rate": "#,
        r#"{"eror_rate": 0.5}"#,
    ] {
        let response = http
            .post(url("/sandbox/faults"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("faults request");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.expect("JSON error");
        assert_eq!(error["status"], 400);
        assert!(error["errorCode"].is_string() && error["message"].is_string());
    }
    let response = http
        .post(url("/sandbox/config"))
        .json(&json!({"reply_probability": -1}))
        .send()
        .await
        .expect("config request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Oversized bodies, unknown routes and wrong methods.
    let response = http
        .post(url("/v1/messages"))
        .header("Token", DEFAULT_TOKEN)
        .body(vec![b'x'; 100 * 1024])
        .send()
        .await
        .expect("big request");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.expect("JSON error");
    assert_eq!(error["errorCode"], "payload_too_large");
    let response = http.get(url("/v2/nothing")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.json::<Value>().await.expect("JSON error")["errorCode"],
        "not_found"
    );
    let response = http.put(url("/v1/messages")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Listing filters and clearing.
    let response = http
        .get(url("/sandbox/messages?phone=abc"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    client(&sandbox)
        .send_message(&outgoing("+34600111233", "camp-3:contact-1:m1"))
        .await
        .expect("accepted now");
    let cleared: Value = http
        .delete(url("/sandbox/messages"))
        .send()
        .await
        .expect("delete request")
        .json()
        .await
        .expect("delete body");
    assert_eq!(cleared["deleted"], 1);
    assert!(sandbox.accepted().is_empty());
    let health: Value = http
        .get(url("/sandbox/health"))
        .send()
        .await
        .expect("health request")
        .json()
        .await
        .expect("health body");
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sandbox = start(quiet_config()).await;
    let client = client(&sandbox);
    client
        .number_exists("+34600111234")
        .await
        .expect("serving before shutdown");

    sandbox.shutdown().await.expect("clean shutdown");

    let err = client
        .number_exists("+34600111234")
        .await
        .expect_err("nothing listens any more");
    assert!(matches!(err, ProviderError::Retryable { .. }), "{err:?}");
}
