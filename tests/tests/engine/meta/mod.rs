//! The engine on Meta's WhatsApp Cloud API (SPEC §7), through the sandbox's Cloud API and the
//! API's signed `/webhooks/meta`: Message 1 as an approved template, replies attributed by
//! `context.id`, exactly one Message 2, and what each of Meta's error codes leads to.
//!
//! The tests that matter on both providers live in `both_providers`; the helpers here build each
//! provider's webhook events, so one test body runs on Wassenger and on Meta.

mod both_providers;
mod codes;
mod journeys;
mod launch;
mod limits;
mod redelivery;
mod signature;
mod template_pause;

use campaign_domain::{MessageReference, MessageType};
use campaign_tests::TestEnv;
use campaign_tests::api::{TestApi, WEBHOOK_SECRET};
use campaign_tests::provider::Provider;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use wa_sandbox::AcceptedRecord;

pub const CAMPAIGN_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a test polls for an effect that should follow within seconds.
pub const POLL_DEADLINE: Duration = Duration::from_secs(90);

/// The sandbox's business number, as Meta's `metadata.display_phone_number` gives it.
const DISPLAY_PHONE_NUMBER: &str = "15550100000";

/// An engine on Meta with its API, the sandbox's Cloud API webhooks pointed at it.
pub async fn meta_engine() -> (TestEnv, TestApi) {
    let (env, api) = quiet_engine(Provider::Meta).await;
    point_webhooks(&env, &api);
    (env, api)
}

/// An engine on `provider` with its API, the sandbox sending no webhooks: the test posts each
/// provider event itself, so it knows their bodies and their order.
pub async fn quiet_engine(provider: Provider) -> (TestEnv, TestApi) {
    let env = TestEnv::start_with_provider(provider).await.unwrap();
    let api = env.spawn_api().await.unwrap();
    (env, api)
}

/// Points the sandbox's webhooks, in the provider's shape, at the API.
pub fn point_webhooks(env: &TestEnv, api: &TestApi) {
    match env.provider {
        Provider::Wassenger => {
            let mut behaviour = env.sandbox.behaviour();
            behaviour.webhook_url = Some(api.url("/webhooks/wassenger"));
            behaviour.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
            env.sandbox.set_behaviour(behaviour);
        }
        Provider::Meta => env
            .sandbox
            .set_meta_webhook_url(Some(api.url("/webhooks/meta"))),
    }
}

/// Sends the sandbox accepted with this reference (`biz_opaque_callback_data` on Meta).
pub fn sends_with_reference(env: &TestEnv, reference: &str) -> usize {
    env.sandbox
        .accepted()
        .iter()
        .filter(|record| record.reference.as_deref() == Some(reference))
        .count()
}

pub fn message_1_reference(campaign_id: i64, contact_id: i64) -> String {
    MessageReference::new(campaign_id, contact_id, MessageType::Message1).to_string()
}

pub fn message_2_reference(campaign_id: i64, contact_id: i64) -> String {
    MessageReference::new(campaign_id, contact_id, MessageType::Message2).to_string()
}

/// Message 2 sends the sandbox accepted for a contact.
pub fn message_2_count(env: &TestEnv, campaign_id: i64, contact_id: i64) -> usize {
    sends_with_reference(env, &message_2_reference(campaign_id, contact_id))
}

/// The accepted Message 1 of each contact of the campaign.
pub fn message_1_by_contact(env: &TestEnv, campaign_id: i64) -> HashMap<i64, AcceptedRecord> {
    env.sandbox
        .accepted()
        .into_iter()
        .filter_map(|record| {
            let (campaign, contact) =
                campaign_tests::parse_reference(record.reference.as_deref()?, "message_1")?;
            (campaign == campaign_id).then_some((contact, record))
        })
        .collect()
}

/// Polls `check` until it gives `Some`, failing the test after [`POLL_DEADLINE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + POLL_DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {POLL_DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the engine recorded `count` accepted sends of the campaign: a provider event
/// about a message is only meaningful once its acceptance is recorded.
pub async fn wait_recorded(env: &TestEnv, campaign_id: i64, count: i64) {
    eventually("accepted sends recorded", || async {
        let recorded: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE campaign_id = $1 AND sent_at IS NOT NULL",
        )
        .bind(campaign_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        (recorded >= count).then_some(())
    })
    .await
}

/// A query's single value, for the test's assertions.
pub async fn scalar<T>(env: &TestEnv, sql: &str, id: i64) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(env.store.pool())
        .await
        .unwrap()
}

/// The status of the campaign's Message 1 to `contact_id`.
pub async fn message_1_status(env: &TestEnv, campaign_id: i64, contact_id: i64) -> String {
    sqlx::query_scalar(
        "SELECT status::text FROM messages WHERE campaign_id = $1 AND contact_id = $2 \
         AND message_type = 'message_1'",
    )
    .bind(campaign_id)
    .bind(contact_id)
    .fetch_one(env.store.pool())
    .await
    .unwrap()
}

/// Interactions recorded with this provider message id.
pub async fn interactions_with_id(env: &TestEnv, provider_message_id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM interactions WHERE provider_message_id = $1")
        .bind(provider_message_id)
        .fetch_one(env.store.pool())
        .await
        .unwrap()
}

/// A text reply with provider id `id` from the contact of `message_1`, quoting it, in the
/// provider's webhook shape.
pub fn reply_event(provider: Provider, message_1: &AcceptedRecord, id: &str) -> Value {
    match provider {
        Provider::Wassenger => json!({
            "id": id,
            "event": "message:in:new",
            "created": chrono::Utc::now().timestamp(),
            "data": {
                "id": id,
                "type": "text",
                "flow": "inbound",
                "fromNumber": message_1.phone.trim_start_matches('+'),
                "toNumber": wa_sandbox::DEFAULT_DEVICE_PHONE,
                "body": "Oui !",
                "timestamp": chrono::Utc::now().timestamp(),
                "quoted": { "id": message_1.id, "waId": message_1.wa_id, "reference": message_1.reference },
            },
        }),
        Provider::Meta => meta_envelope(vec![meta_reply(message_1, id)]),
    }
}

/// A delivery acknowledgement (`sent`, `delivered`, `read`) of `message`, in the provider's
/// webhook shape.
pub fn ack_event(provider: Provider, message: &AcceptedRecord, ack: &str) -> Value {
    match provider {
        Provider::Wassenger => json!({
            "id": format!("ack-{}-{ack}", message.id),
            "event": "message:out:ack",
            "created": chrono::Utc::now().timestamp(),
            "ack": ack,
            "data": {
                "id": message.id,
                "waId": message.wa_id,
                "type": "text",
                "flow": "outbound",
                "ack": ack,
                "toNumber": message.phone,
                "timestamp": message.accepted_at.timestamp(),
                "reference": message.reference,
            },
        }),
        Provider::Meta => meta_envelope(vec![meta_status(message, ack)]),
    }
}

/// One `whatsapp_business_account` notification with one `messages` change holding `events`
/// (statuses and inbound messages, told apart by their shape), as Meta posts it.
pub fn meta_envelope(events: Vec<Value>) -> Value {
    meta_notification(vec![events])
}

/// One notification with a `messages` change for each list of events, in order.
pub fn meta_notification(changes: Vec<Vec<Value>>) -> Value {
    let changes: Vec<Value> = changes.into_iter().map(messages_change).collect();
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": wa_sandbox::DEFAULT_META_WABA_ID, "changes": changes }],
    })
}

fn messages_change(events: Vec<Value>) -> Value {
    let (statuses, messages): (Vec<Value>, Vec<Value>) = events
        .into_iter()
        .partition(|event| event.get("status").is_some());
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": DISPLAY_PHONE_NUMBER,
            "phone_number_id": wa_sandbox::DEFAULT_META_PHONE_NUMBER_ID,
        },
    });
    if !statuses.is_empty() {
        value["statuses"] = json!(statuses);
    }
    if !messages.is_empty() {
        let contacts: Vec<Value> = messages
            .iter()
            .map(|message| json!({ "profile": { "name": "Contact" }, "wa_id": message["from"] }))
            .collect();
        value["contacts"] = json!(contacts);
        value["messages"] = json!(messages);
    }
    json!({ "field": "messages", "value": value })
}

/// A `messages[]` text entry from the contact of `message_1`, its `context.id` quoting it.
pub fn meta_reply(message_1: &AcceptedRecord, id: &str) -> Value {
    json!({
        "from": message_1.phone.trim_start_matches('+'),
        "id": id,
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "type": "text",
        "text": { "body": "Oui !" },
        "context": { "from": DISPLAY_PHONE_NUMBER, "id": message_1.id },
    })
}

/// A `statuses[]` entry for `message`, echoing its reference as `biz_opaque_callback_data`.
pub fn meta_status(message: &AcceptedRecord, status: &str) -> Value {
    let mut entry = json!({
        "id": message.id,
        "status": status,
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "recipient_id": message.phone.trim_start_matches('+'),
    });
    if let Some(reference) = &message.reference {
        entry["biz_opaque_callback_data"] = json!(reference);
    }
    entry
}

/// POSTs a provider event as the provider would: Wassenger with the shared secret, Meta signed
/// with the app secret.
pub async fn post_event(api: &TestApi, provider: Provider, event: &Value) -> StatusCode {
    match provider {
        Provider::Wassenger => api.post_webhook(event).await,
        Provider::Meta => {
            let body = event.to_string().into_bytes();
            let signature = campaign_provider::meta::sign(
                wa_sandbox::DEFAULT_META_APP_SECRET.as_bytes(),
                &body,
            );
            post_meta(api, body, Some(&signature)).await
        }
    }
}

/// POSTs raw bytes to `/webhooks/meta` with this `X-Hub-Signature-256` (none when `None`).
pub async fn post_meta(api: &TestApi, body: Vec<u8>, signature: Option<&str>) -> StatusCode {
    let mut request = api
        .http
        .post(api.url("/webhooks/meta"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(signature) = signature {
        request = request.header("X-Hub-Signature-256", signature);
    }
    request.send().await.unwrap().status()
}

/// On Meta, opens the contact's customer-service window in the sandbox, as the reply the test
/// posts itself would have: Message 2 is free text, which the Cloud API only takes inside it.
/// The sandbox must send no webhooks while this runs (see [`quiet_engine`]).
pub fn open_window(env: &TestEnv, phone: &str) {
    if env.provider == Provider::Meta {
        assert!(env.sandbox.meta_settings().webhook_url.is_none());
        assert!(env.sandbox.meta_inbound_text(phone, "Oui !", None));
    }
}

/// Replies to `message_1` in the provider's shape and returns the API's answer, the contact's
/// window opened first.
pub async fn reply(
    env: &TestEnv,
    api: &TestApi,
    message_1: &AcceptedRecord,
    id: &str,
) -> StatusCode {
    open_window(env, &message_1.phone);
    post_event(api, env.provider, &reply_event(env.provider, message_1, id)).await
}

/// The phone of a contact, as stored.
/// The campaign as the API shows it.
pub async fn campaign(api: &TestApi, campaign_id: i64) -> Value {
    let (status, body) =
        campaign_tests::api::call(api.get(&format!("/campaigns/{campaign_id}"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}
