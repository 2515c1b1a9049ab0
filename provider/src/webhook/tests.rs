use super::*;
use chrono::TimeZone;
use serde_json::json;

fn read(body: &Value) -> Result<WebhookEvent, MalformedEvent> {
    WebhookDelivery::parse(body.to_string().as_bytes())?.event()
}

fn reason(body: &[u8]) -> String {
    match WebhookDelivery::parse(body).and_then(WebhookDelivery::event) {
        Ok(event) => panic!("accepted as {event:?}"),
        Err(err) => err.to_string(),
    }
}

const NOW: i64 = 1_735_787_045;

#[test]
fn an_inbound_reply_is_read_with_its_quote() {
    let event = read(&json!({
        "event": "message:in:new",
        "created": NOW + 5,
        "data": {
            "id": "3EB0INBOUND",
            "type": "ptt",
            "fromNumber": "+34600111222",
            "body": "hello",
            "timestamp": NOW,
            "quoted": { "id": "abc", "reference": "campaign-1-contact-7-message_1" },
        },
    }))
    .unwrap();
    assert_eq!(
        event,
        WebhookEvent::Message(InboundMessage {
            id: "3EB0INBOUND".to_owned(),
            from_number: "+34600111222".to_owned(),
            message_type: Some("ptt".to_owned()),
            body: Some("hello".to_owned()),
            sent_at: Utc.timestamp_opt(NOW, 0).unwrap(),
            quoted_reference: Some("campaign-1-contact-7-message_1".to_owned()),
        })
    );
}

#[test]
fn optional_fields_of_another_type_read_as_absent() {
    let event = read(&json!({
        "event": "message:reaction",
        "created": NOW,
        "data": {
            "id": "r1",
            "type": 7,
            "fromNumber": "34600111222",
            "body": ["👍"],
            "timestamp": "yesterday",
            "quoted": ["campaign-1-contact-7-message_1"],
        },
    }))
    .unwrap();
    let WebhookEvent::Reaction(reaction) = event else {
        panic!("not a reaction: {event:?}");
    };
    assert_eq!(reaction.message_type, None);
    assert_eq!(reaction.body, None);
    assert_eq!(reaction.quoted_reference, None);
    assert_eq!(reaction.sent_at, Utc.timestamp_opt(NOW, 0).unwrap());
}

#[test]
fn acks_give_the_status_they_mean() {
    let ack = |ack: Value| {
        read(&json!({
            "event": "message:out:ack",
            "created": NOW,
            "ack": ack,
            "data": { "id": "m1", "ack": "read", "reference": "campaign-1-contact-7-message_1" },
        }))
        .unwrap()
    };
    assert_eq!(
        ack(json!("device")),
        WebhookEvent::Status(StatusUpdate {
            message_id: "m1".to_owned(),
            status: DeliveryStatus::Delivered,
            at: Utc.timestamp_opt(NOW, 0).unwrap(),
            reference: Some("campaign-1-contact-7-message_1".to_owned()),
        })
    );
    assert_eq!(ack(json!("pending")), WebhookEvent::Ignored);
    // A top-level ack is the one read, even when it is not text.
    assert_eq!(ack(json!(3)), WebhookEvent::Ignored);

    let update = read(&json!({
        "event": "message:update",
        "data": { "id": "m1", "ack": "played" },
    }))
    .unwrap();
    let WebhookEvent::Status(update) = update else {
        panic!("not a status update: {update:?}");
    };
    assert_eq!(update.status, DeliveryStatus::Read);
    assert_eq!(update.reference, None);
}

#[test]
fn a_failed_send_is_a_failed_status() {
    let event = read(&json!({
        "event": "message:out:failed",
        "created": NOW,
        "data": { "id": "m2" },
    }))
    .unwrap();
    assert!(matches!(
        event,
        WebhookEvent::Status(StatusUpdate {
            status: DeliveryStatus::Failed,
            ..
        })
    ));
}

#[test]
fn unknown_events_are_ignored_whatever_they_carry() {
    let delivery = WebhookDelivery::parse(br#"{"event": "device:status", "data": 5}"#).unwrap();
    assert_eq!(delivery.kind(), EventKind::Other);
    assert_eq!(delivery.kind().name(), None);
    assert_eq!(delivery.event().unwrap(), WebhookEvent::Ignored);
}

#[test]
fn the_event_name_is_known_even_when_the_rest_is_malformed() {
    let delivery = WebhookDelivery::parse(br#"{"event": "message:in:new"}"#).unwrap();
    assert_eq!(delivery.kind().name(), Some("message:in:new"));
    assert!(delivery.event().is_err());
}

#[test]
fn malformed_events_say_what_is_wrong() {
    assert!(reason(b"{").starts_with("malformed webhook body: "));
    assert_eq!(reason(b"[]"), "webhook body has no `event`");
    assert_eq!(reason(br#"{"event": 1}"#), "webhook body has no `event`");
    assert_eq!(
        reason(br#"{"event": "message:in:new", "data": []}"#),
        "webhook body has no `data` object"
    );
    assert_eq!(
        reason(br#"{"event": "message:in:new", "data": {"id": "x"}}"#),
        "inbound message has no `fromNumber`"
    );
    assert_eq!(
        reason(br#"{"event": "message:in:new", "data": {"fromNumber": "+34600111222"}}"#),
        "webhook data has no message `id`"
    );
    assert_eq!(
        reason(br#"{"event": "message:out:ack", "ack": "read", "data": {"id": ""}}"#),
        "webhook data has no message `id`"
    );
    let long_id = "x".repeat(MAX_MESSAGE_ID_LEN + 1);
    assert_eq!(
        reason(
            json!({ "event": "message:out:failed", "data": { "id": long_id } })
                .to_string()
                .as_bytes()
        ),
        "message `id` must be at most 256 printable characters"
    );
    assert_eq!(
        reason(br#"{"event": "message:out:failed", "created": 12, "data": {"id": "m"}}"#),
        "event time 12 is not a plausible Unix time"
    );
}
