//! Drives the sandbox's Cloud API over plain HTTP, the way Meta's documentation describes it,
//! and checks the webhooks it sends back (their shapes and their signatures, verified here with
//! an independent HMAC).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;
use wa_sandbox::{
    DEFAULT_META_ACCESS_TOKEN, DEFAULT_META_APP_SECRET, DEFAULT_META_PHONE_NUMBER_ID,
    DEFAULT_META_WABA_ID, MessagingLimit, MetaErrorCode, ReplyKind, SandboxConfig, SandboxHandle,
    SendEndpoint, TemplateCategory, TemplateStatus,
};

/// How long a test waits for an expected webhook before failing.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

const PHONE: &str = "+33612345678";

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Forwards `(X-Hub-Signature-256, raw body)` of every POST, after answering `500` to the first
/// `failures` requests.
struct Receiver {
    url: String,
    posts: mpsc::UnboundedReceiver<(Option<String>, Bytes)>,
}

#[derive(Clone)]
struct ReceiverState {
    failures_left: Arc<AtomicUsize>,
    posts: mpsc::UnboundedSender<(Option<String>, Bytes)>,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
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
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    // The test may have stopped listening; losing the post is then harmless.
    let _ = state.posts.send((signature, body));
    StatusCode::OK
}

async fn receiver(failures: usize) -> Receiver {
    let (sender, posts) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/webhooks/meta", post(receive))
        .with_state(ReceiverState {
            failures_left: Arc::new(AtomicUsize::new(failures)),
            posts: sender,
        });
    let listener = tokio::net::TcpListener::bind(loopback())
        .await
        .expect("receiver binds");
    let addr = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver {
        url: format!("http://{addr}/webhooks/meta"),
        posts,
    }
}

/// The signature Meta documents, computed independently of the sandbox.
fn expected_signature(body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(DEFAULT_META_APP_SECRET.as_bytes()).expect("any key");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

impl Receiver {
    /// The next POST, its signature checked.
    async fn next(&mut self) -> Value {
        let (signature, body) = tokio::time::timeout(EVENT_TIMEOUT, self.posts.recv())
            .await
            .expect("a webhook in time")
            .expect("receiver alive");
        assert_eq!(
            signature.as_deref(),
            Some(expected_signature(&body).as_str())
        );
        let payload: Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(payload["object"], "whatsapp_business_account");
        assert_eq!(payload["entry"][0]["id"], DEFAULT_META_WABA_ID);
        payload
    }

    /// The `value` of the first change of the next POST, and its `field`.
    async fn next_change(&mut self) -> (String, Value) {
        let payload = self.next().await;
        let change = &payload["entry"][0]["changes"][0];
        (
            change["field"].as_str().unwrap_or_default().to_owned(),
            change["value"].clone(),
        )
    }

    /// The next `statuses[0]`.
    async fn next_status(&mut self) -> Value {
        let (field, value) = self.next_change().await;
        assert_eq!(field, "messages");
        assert_eq!(
            value["metadata"]["phone_number_id"],
            DEFAULT_META_PHONE_NUMBER_ID
        );
        value["statuses"][0].clone()
    }
}

async fn start(webhook: Option<&Receiver>, reply_probability: f64) -> SandboxHandle {
    let mut config = SandboxConfig {
        reply_probability,
        ack_delay: Duration::from_millis(5),
        reply_delay: Duration::from_millis(5),
        ..SandboxConfig::default()
    };
    config.meta.webhook_url = webhook.map(|receiver| receiver.url.clone());
    wa_sandbox::spawn(config, loopback())
        .await
        .expect("sandbox starts")
}

fn messages_url(handle: &SandboxHandle, path: &str) -> String {
    format!(
        "{}/v23.0/{DEFAULT_META_PHONE_NUMBER_ID}/{path}",
        handle.base_url
    )
}

async fn post_as(
    handle: &SandboxHandle,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(messages_url(handle, path))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.expect("JSON answer"))
}

async fn send(handle: &SandboxHandle, path: &str, body: Value) -> (StatusCode, Value) {
    post_as(handle, path, Some(DEFAULT_META_ACCESS_TOKEN), body).await
}

fn text(to: &str, body: &str) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
        "type": "text", "text": {"preview_url": false, "body": body},
        "biz_opaque_callback_data": "campaign-1:contact-2:message-2"})
}

fn template(to: &str, name: &str, body_parameters: &[&str]) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
        "type": "template", "biz_opaque_callback_data": "campaign-1:contact-2:message-1",
        "template": {"name": name, "language": {"code": "fr"}, "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "Sandbox Shop"}]},
            {"type": "body", "parameters": body_parameters.iter()
                .map(|text| json!({"type": "text", "text": text})).collect::<Vec<_>>()}]}})
}

fn assert_error(answer: &(StatusCode, Value), status: u16, code: u32) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    let error = &answer.1["error"];
    assert_eq!(error["code"], code, "{}", answer.1);
    assert!(
        error["message"].is_string()
            && error["type"].is_string()
            && error["fbtrace_id"].is_string()
    );
    if code != 190 {
        assert_eq!(error["error_data"]["messaging_product"], "whatsapp");
        assert!(error["error_data"]["details"].is_string());
    }
}

#[tokio::test]
async fn templates_and_in_window_texts_are_accepted_and_recorded() {
    let handle = start(None, 0.0).await;
    let answer = send(
        &handle,
        "marketing_messages",
        template("33612345678", "spring_offer", &["Ana"]),
    )
    .await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    assert_eq!(answer.1["messaging_product"], "whatsapp");
    assert_eq!(
        answer.1["contacts"][0],
        json!({"input": "33612345678", "wa_id": "33612345678"})
    );
    let wamid = answer.1["messages"][0]["id"]
        .as_str()
        .expect("wamid")
        .to_owned();
    assert!(wamid.starts_with("wamid."));
    assert!(handle.meta_inbound_text(PHONE, "Tell me more", Some(&wamid)));
    let answer = send(&handle, "messages", text(PHONE, "Here is more")).await;
    assert_eq!(answer.0, StatusCode::OK, "{}", answer.1);
    let accepted = handle.accepted_for(PHONE);
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[0].endpoint, SendEndpoint::MetaMarketingMessages);
    assert_eq!(accepted[0].id, wamid);
    assert_eq!(
        accepted[0].reference.as_deref(),
        Some("campaign-1:contact-2:message-1")
    );
    let sent = accepted[0].template.as_ref().expect("template");
    assert_eq!(
        (sent.name.as_str(), sent.language.as_str()),
        ("spring_offer", "fr")
    );
    assert!(accepted[0].message.starts_with("Bonjour Ana,"));
    assert_eq!(accepted[1].endpoint, SendEndpoint::MetaMessages);
    assert_eq!(accepted[1].message, "Here is more");
    let listed: Value = reqwest::get(format!("{}/sandbox/messages", handle.base_url))
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    assert_eq!(listed[0]["endpoint"], "meta_marketing_messages");
    assert_eq!(listed[0]["template"]["parameters"][1]["text"], "Ana");
}

#[tokio::test]
async fn template_problems_answer_meta_codes() {
    let handle = start(None, 0.0).await;
    assert_error(
        &send(&handle, "messages", template(PHONE, "spring_offer", &[])).await,
        400,
        132_000,
    );
    assert_error(
        &send(
            &handle,
            "messages",
            template(PHONE, "no_such_template", &["Ana"]),
        )
        .await,
        404,
        132_001,
    );
    handle
        .set_template_status(
            "spring_offer",
            "fr",
            TemplateStatus::Paused,
            Some("LOW_QUALITY"),
        )
        .expect("known");
    assert_error(
        &send(
            &handle,
            "messages",
            template(PHONE, "spring_offer", &["Ana"]),
        )
        .await,
        400,
        132_015,
    );
    handle
        .set_template_status("spring_offer", "fr", TemplateStatus::Disabled, None)
        .expect("known");
    assert_error(
        &send(
            &handle,
            "messages",
            template(PHONE, "spring_offer", &["Ana"]),
        )
        .await,
        400,
        132_016,
    );
    assert!(handle.accepted().is_empty());
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused_with_190() {
    let handle = start(None, 0.0).await;
    let body = template(PHONE, "spring_offer", &["Ana"]);
    assert_error(
        &post_as(&handle, "messages", Some("wrong"), body.clone()).await,
        401,
        190,
    );
    assert_error(&post_as(&handle, "messages", None, body).await, 401, 190);
    assert!(handle.accepted().is_empty());
}

#[tokio::test]
async fn every_code_can_be_injected_synchronously() {
    let handle = start(None, 0.0).await;
    for code in [
        130_429, 131_056, 131_026, 131_049, 131_050, 131_047, 132_000, 132_001, 132_015, 132_016,
        190, 131_000,
    ] {
        let meta_code = MetaErrorCode::try_from(code).expect("a known code");
        handle.meta_fail_next(meta_code, 1);
        let answer = send(
            &handle,
            "messages",
            template(PHONE, "spring_offer", &["Ana"]),
        )
        .await;
        assert_error(&answer, meta_code.http_status(), code);
    }
    assert!(handle.accepted().is_empty());
    let answer = send(
        &handle,
        "messages",
        template(PHONE, "spring_offer", &["Ana"]),
    )
    .await;
    assert_eq!(answer.0, StatusCode::OK);
}

#[tokio::test]
async fn sends_beyond_the_throughput_answer_130429() {
    let handle = start(None, 0.0).await;
    handle.set_meta_throughput(Some(1)).expect("valid");
    let mut refused = 0;
    for _ in 0..5 {
        let answer = send(
            &handle,
            "messages",
            template(PHONE, "spring_offer", &["Ana"]),
        )
        .await;
        if answer.0 != StatusCode::OK {
            assert_error(&answer, 400, 130_429);
            refused += 1;
        }
    }
    assert!(refused >= 1);
    assert_eq!(handle.accepted().len(), 5 - refused);
}

#[tokio::test]
async fn the_catalog_is_listed_with_cursor_paging() {
    let handle = start(None, 0.0).await;
    let http = reqwest::Client::new();
    let first: Value = http
        .get(format!(
            "{}/v23.0/{DEFAULT_META_WABA_ID}/message_templates?limit=3",
            handle.base_url
        ))
        .bearer_auth(DEFAULT_META_ACCESS_TOKEN)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("JSON");
    assert_eq!(first["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(first["data"][0]["name"], "spring_offer");
    assert_eq!(first["data"][0]["parameter_format"], "POSITIONAL");
    assert!(first["paging"]["cursors"]["after"].is_string());
    let next = first["paging"]["next"].as_str().expect("a next page");
    let second: Value = http
        .get(next)
        .bearer_auth(DEFAULT_META_ACCESS_TOKEN)
        .send()
        .await
        .expect("next")
        .json()
        .await
        .expect("JSON");
    assert_eq!(second["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["data"][0]["category"], "UTILITY");
    assert!(second["paging"].get("next").is_none());
    assert!(second["paging"]["previous"].is_string());
    let limit: Value = http
        .get(format!(
            "{}?fields=whatsapp_business_manager_messaging_limit",
            messages_url(&handle, "").trim_end_matches('/')
        ))
        .bearer_auth(DEFAULT_META_ACCESS_TOKEN)
        .send()
        .await
        .expect("fields")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        limit["whatsapp_business_manager_messaging_limit"],
        "TIER_250"
    );
    handle.set_meta_messaging_limit(MessagingLimit::Tier10K);
    assert_eq!(
        handle.meta_settings().messaging_limit,
        MessagingLimit::Tier10K
    );
}

#[tokio::test]
async fn template_changes_send_their_webhooks() {
    let mut receiver = receiver(0).await;
    let handle = start(Some(&receiver), 0.0).await;
    handle
        .set_template_status(
            "spring_offer",
            "en",
            TemplateStatus::Paused,
            Some("LOW_QUALITY"),
        )
        .expect("known");
    let (field, value) = receiver.next_change().await;
    assert_eq!(field, "message_template_status_update");
    assert_eq!(value["event"], "PAUSED");
    assert_eq!(value["message_template_name"], "spring_offer");
    assert_eq!(value["message_template_language"], "en");
    assert_eq!(value["reason"], "LOW_QUALITY");
    assert!(value["message_template_id"].is_u64());
    handle
        .set_template_category("appointment_reminder", "fr", TemplateCategory::Marketing)
        .expect("known");
    let (field, value) = receiver.next_change().await;
    assert_eq!(field, "template_category_update");
    assert_eq!(value["previous_category"], "UTILITY");
    assert_eq!(value["new_category"], "MARKETING");
}

#[tokio::test]
async fn statuses_are_signed_priced_and_carry_the_callback_data() {
    let mut receiver = receiver(1).await;
    let handle = start(Some(&receiver), 0.0).await;
    let answer = send(
        &handle,
        "marketing_messages",
        template(PHONE, "spring_offer", &["Ana"]),
    )
    .await;
    let wamid = answer.1["messages"][0]["id"].clone();
    for expected in ["sent", "delivered", "read"] {
        let status = receiver.next_status().await;
        assert_eq!(status["status"], expected);
        assert_eq!(status["id"], wamid);
        assert_eq!(status["recipient_id"], "33612345678");
        assert_eq!(
            status["biz_opaque_callback_data"],
            "campaign-1:contact-2:message-1"
        );
        assert_eq!(status["pricing"]["category"], "marketing");
        assert_eq!(status["pricing"]["pricing_model"], "PMP");
    }
}

#[tokio::test]
async fn a_text_outside_the_window_fails_by_webhook_with_131047() {
    let mut receiver = receiver(0).await;
    let handle = start(Some(&receiver), 0.0).await;
    let answer = send(&handle, "messages", text(PHONE, "Hello again")).await;
    assert_eq!(answer.0, StatusCode::OK);
    let status = receiver.next_status().await;
    assert_eq!(status["status"], "failed");
    assert_eq!(status["errors"][0]["code"], 131_047);
    assert!(status["errors"][0]["error_data"]["details"].is_string());
    assert_eq!(
        status["biz_opaque_callback_data"],
        "campaign-1:contact-2:message-2"
    );
}

#[tokio::test]
async fn per_phone_failures_arrive_as_failed_statuses() {
    let mut receiver = receiver(0).await;
    let handle = start(Some(&receiver), 0.0).await;
    for (phone, code) in [
        ("+33600000001", 131_049),
        ("+33600000002", 131_050),
        ("+33600000003", 131_026),
    ] {
        handle
            .set_meta_async_failure(phone, Some(MetaErrorCode::try_from(code).expect("known")))
            .expect("valid");
        let answer = send(
            &handle,
            "marketing_messages",
            template(phone, "spring_offer", &["Ana"]),
        )
        .await;
        assert_eq!(answer.0, StatusCode::OK);
        let status = receiver.next_status().await;
        assert_eq!(status["status"], "failed");
        assert_eq!(status["errors"][0]["code"], code);
    }
}

#[tokio::test]
async fn replies_quote_the_message_they_answer() {
    let mut receiver = receiver(0).await;
    let handle = start(Some(&receiver), 1.0).await;
    let mut behaviour = handle.behaviour();
    behaviour.reply_types = vec![ReplyKind::Interactive];
    handle.set_behaviour(behaviour);
    let answer = send(
        &handle,
        "marketing_messages",
        template(PHONE, "spring_offer", &["Ana"]),
    )
    .await;
    let wamid = answer.1["messages"][0]["id"].clone();
    for _ in 0..3 {
        receiver.next_status().await;
    }
    let (_, value) = receiver.next_change().await;
    assert_eq!(value["contacts"][0]["wa_id"], "33612345678");
    let message = &value["messages"][0];
    assert_eq!(message["type"], "interactive");
    assert_eq!(message["context"]["id"], wamid);
    // The reply opened the window: a text now goes through.
    let answer = send(&handle, "messages", text(PHONE, "Thanks!")).await;
    assert_eq!(answer.0, StatusCode::OK);
    assert_eq!(receiver.next_status().await["status"], "sent");
}

#[tokio::test]
async fn scripted_buttons_and_reaction_removals_have_meta_shapes() {
    let mut receiver = receiver(0).await;
    let handle = start(Some(&receiver), 1.0).await;
    let config = reqwest::Client::new()
        .post(format!("{}/sandbox/config", handle.base_url))
        .json(&json!({"scripted_replies": {PHONE: {"button": "STOP"}}, "reply_types": ["reaction_removed"]}))
        .send().await.expect("config");
    assert_eq!(config.status(), StatusCode::OK);
    let answer = send(
        &handle,
        "marketing_messages",
        template(PHONE, "spring_offer", &["Ana"]),
    )
    .await;
    let wamid = answer.1["messages"][0]["id"].clone();
    for _ in 0..3 {
        receiver.next_status().await;
    }
    let (_, value) = receiver.next_change().await;
    assert_eq!(
        value["messages"][0]["button"],
        json!({"payload": "STOP", "text": "STOP"})
    );
    assert_eq!(value["messages"][0]["context"]["id"], wamid);
    let other = "+33699999999";
    let answer = send(
        &handle,
        "marketing_messages",
        template(other, "spring_offer", &["Ana"]),
    )
    .await;
    let wamid = answer.1["messages"][0]["id"].clone();
    for _ in 0..3 {
        receiver.next_status().await;
    }
    let (_, value) = receiver.next_change().await;
    let messages = value["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert!(messages[0]["reaction"]["emoji"].is_string());
    assert_eq!(messages[1]["reaction"]["message_id"], wamid);
    assert!(messages[1]["reaction"].get("emoji").is_none());
}

#[tokio::test]
async fn batched_posts_carry_two_statuses_and_the_reply() {
    let mut receiver = receiver(0).await;
    let handle = start(Some(&receiver), 1.0).await;
    handle.set_meta_batch_webhooks(true);
    let mut behaviour = handle.behaviour();
    behaviour.reply_types = vec![ReplyKind::Text];
    handle.set_behaviour(behaviour);
    send(
        &handle,
        "marketing_messages",
        template(PHONE, "spring_offer", &["Ana"]),
    )
    .await;
    assert_eq!(receiver.next_status().await["status"], "sent");
    let payload = receiver.next().await;
    let changes = payload["entry"][0]["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2);
    let statuses: Vec<&Value> = changes[0]["value"]["statuses"]
        .as_array()
        .expect("statuses")
        .iter()
        .map(|s| &s["status"])
        .collect();
    assert_eq!(statuses, [&json!("delivered"), &json!("read")]);
    assert_eq!(changes[1]["value"]["messages"][0]["type"], "text");
}
