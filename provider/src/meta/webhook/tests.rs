use super::*;
use crate::webhook::DeliveryStatus;
use campaign_domain::{FailureKind, InteractionType, TemplateCategory, TemplateStatus};
use chrono::TimeZone;
use serde_json::json;

const NOW: i64 = 1_749_416_383;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

/// A notification with one change per `(field, value)`, in one entry.
fn notification(changes: &[(&str, Value)]) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": changes
                .iter()
                .map(|(field, value)| json!({ "field": field, "value": value }))
                .collect::<Vec<_>>(),
        }],
    })
}

fn messages_value(messages: Value, statuses: Value) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
        "contacts": [{ "profile": { "name": "Sheena Nelson" }, "wa_id": "16505551234" }],
        "messages": messages,
        "statuses": statuses,
    })
}

fn parse(body: &Value) -> Result<MetaNotification, MalformedNotification> {
    MetaNotification::parse(body.to_string().as_bytes())
}

/// The events of a notification holding one `messages` change.
fn events(messages: Value, statuses: Value) -> Vec<MetaEvent> {
    let body = notification(&[("messages", messages_value(messages, statuses))]);
    match parse(&body).unwrap().changes.as_slice() {
        [MetaChange::Messages(events)] => events.clone(),
        other => panic!("not one messages change: {other:?}"),
    }
}

fn inbound(message: Value) -> MetaInbound {
    match events(json!([message]), json!([])).as_slice() {
        [MetaEvent::Inbound(inbound)] => inbound.clone(),
        other => panic!("not one inbound message: {other:?}"),
    }
}

fn message(kind: &str, part: Value) -> Value {
    let mut message = json!({
        "from": "16505551234",
        "id": "wamid.IN1",
        "timestamp": NOW.to_string(),
        "type": kind,
        "context": { "from": "15550783881", "id": "wamid.OUT1" },
    });
    message[kind] = part;
    message
}

#[test]
fn a_text_reply_is_an_interaction_attributed_by_its_context() {
    let reply = inbound(message("text", json!({ "body": "STOP" })));
    assert_eq!(
        reply,
        MetaInbound {
            id: "wamid.IN1".to_owned(),
            from: "16505551234".to_owned(),
            received_at: at(NOW),
            interaction: InteractionType::Text,
            text: Some("STOP".to_owned()),
            context_id: Some("wamid.OUT1".to_owned()),
            consent_texts: vec!["STOP".to_owned()],
        }
    );
}

#[test]
fn every_message_type_has_its_interaction() {
    let cases = [
        (
            "image",
            json!({ "caption": "look", "id": "m1" }),
            InteractionType::Image,
            Some("look"),
        ),
        ("video", json!({ "id": "m2" }), InteractionType::Video, None),
        (
            "document",
            json!({ "caption": "cv.pdf", "id": "m3" }),
            InteractionType::Document,
            Some("cv.pdf"),
        ),
        (
            "audio",
            json!({ "id": "m4", "voice": true }),
            InteractionType::Voice,
            None,
        ),
        (
            "audio",
            json!({ "id": "m5", "voice": false }),
            InteractionType::Audio,
            None,
        ),
        ("audio", json!({ "id": "m6" }), InteractionType::Audio, None),
        (
            "sticker",
            json!({ "id": "m7" }),
            InteractionType::Other,
            None,
        ),
        (
            "location",
            json!({ "latitude": 1.0, "longitude": 2.0 }),
            InteractionType::Other,
            None,
        ),
        (
            "contacts",
            json!([{ "name": { "formatted_name": "Ana" } }]),
            InteractionType::Other,
            None,
        ),
    ];
    for (kind, part, interaction, text) in cases {
        let reply = inbound(message(kind, part));
        assert_eq!(reply.interaction, interaction, "{kind}");
        assert_eq!(reply.text.as_deref(), text, "{kind}");
        assert!(reply.consent_texts.is_empty(), "{kind}");
        assert_eq!(reply.context_id.as_deref(), Some("wamid.OUT1"), "{kind}");
    }
}

#[test]
fn a_quick_reply_offers_its_payload_and_text_to_the_opt_out_check() {
    let reply = inbound(message(
        "button",
        json!({ "payload": "UNSUBSCRIBE", "text": "Stop promotions" }),
    ));
    assert_eq!(reply.interaction, InteractionType::Text);
    assert_eq!(reply.text.as_deref(), Some("Stop promotions"));
    assert_eq!(reply.consent_texts, vec!["UNSUBSCRIBE", "Stop promotions"]);
}

#[test]
fn interactive_replies_offer_their_id_and_title() {
    for kind in ["button_reply", "list_reply"] {
        let reply = inbound(message(
            "interactive",
            json!({ "type": kind, kind: { "id": "opt-out", "title": "Arrêter" } }),
        ));
        assert_eq!(reply.interaction, InteractionType::Text, "{kind}");
        assert_eq!(reply.text.as_deref(), Some("Arrêter"), "{kind}");
        assert_eq!(reply.consent_texts, vec!["opt-out", "Arrêter"], "{kind}");
    }
}

#[test]
fn a_reaction_answers_the_message_it_reacts_to_and_its_removal_is_no_interaction() {
    let mut reaction = message(
        "reaction",
        json!({ "message_id": "wamid.OUT9", "emoji": "👍" }),
    );
    reaction.as_object_mut().unwrap().remove("context");
    let reply = inbound(reaction);
    assert_eq!(reply.interaction, InteractionType::Emoji);
    assert_eq!(reply.text.as_deref(), Some("👍"));
    assert_eq!(reply.context_id.as_deref(), Some("wamid.OUT9"));

    let removed = message("reaction", json!({ "message_id": "wamid.OUT9" }));
    assert_eq!(
        events(json!([removed]), json!([])),
        vec![MetaEvent::ReactionRemoved {
            id: "wamid.IN1".to_owned(),
            from: "16505551234".to_owned(),
        }]
    );
}

#[test]
fn unsupported_and_system_messages_are_no_interaction() {
    for kind in ["unsupported", "system", "request_welcome", "something_new"] {
        let event = events(json!([message(kind, json!({}))]), json!([]));
        assert_eq!(
            event,
            vec![MetaEvent::Unsupported {
                id: "wamid.IN1".to_owned(),
                from: "16505551234".to_owned(),
                kind: kind.to_owned(),
            }],
            "{kind}"
        );
    }
}

#[test]
fn statuses_carry_our_reference_and_their_errors() {
    let statuses = json!([
        {
            "id": "wamid.OUT1",
            "status": "read",
            "timestamp": (NOW + 10).to_string(),
            "recipient_id": "16505551234",
            "biz_opaque_callback_data": "campaign-1-contact-7-message_1",
            "pricing": { "billable": true, "pricing_model": "PMP", "category": "marketing" },
        },
        {
            "id": "wamid.OUT2",
            "status": "failed",
            "timestamp": NOW.to_string(),
            "recipient_id": "16505551234",
            "errors": [{
                "code": 131049,
                "title": "This message was not delivered to maintain healthy ecosystem engagement.",
                "message": "This message was not delivered to maintain healthy ecosystem engagement.",
                "error_data": { "details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered." },
                "href": "https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes",
            }],
        },
        { "id": "wamid.OUT3", "status": "played", "recipient_id": "16505551234", "timestamp": NOW.to_string() },
        { "id": "wamid.OUT4", "status": "warning", "recipient_id": "16505551234" },
    ]);
    let events = events(json!([]), statuses);
    let [
        MetaEvent::Status(read),
        MetaEvent::Status(failed),
        MetaEvent::Status(played),
    ] = events.as_slice()
    else {
        panic!("three statuses, the unknown one left out: {events:?}");
    };
    assert_eq!(
        read,
        &MetaStatus {
            id: "wamid.OUT1".to_owned(),
            status: DeliveryStatus::Read,
            at: at(NOW + 10),
            recipient_id: "16505551234".to_owned(),
            reference: Some("campaign-1-contact-7-message_1".to_owned()),
            errors: vec![],
        }
    );
    assert_eq!(failed.status, DeliveryStatus::Failed);
    assert_eq!(failed.reference, None);
    let error = failed.errors[0].to_provider_error();
    assert_eq!(error.kind(), FailureKind::Limited);
    assert!(
        error
            .reason()
            .starts_with("Meta 131049: This message was not delivered")
    );
    assert_eq!(played.status, DeliveryStatus::Read);
}

#[test]
fn errors_not_tied_to_a_message_are_reported() {
    let mut value = messages_value(json!([]), json!([]));
    value["errors"] = json!([
        { "code": 131056, "title": "(Business Account, Consumer Account) pair rate limit hit",
          "error_data": { "details": "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time." } },
        { "title": "no code: nothing to decide on" },
    ]);
    let body = notification(&[("messages", value)]);
    let changes = parse(&body).unwrap().changes;
    let [MetaChange::Messages(events)] = changes.as_slice() else {
        panic!("{changes:?}");
    };
    let [MetaEvent::Error(error)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(error.code, 131056);
    assert!(error.to_provider_error().is_ban_risk());
}

#[test]
fn one_post_carries_several_entries_and_changes_in_order() {
    let reply = message("text", json!({ "body": "hi" }));
    let status = json!({ "id": "wamid.OUT1", "status": "delivered", "recipient_id": "1", "timestamp": NOW.to_string() });
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [
            { "id": "1", "changes": [
                { "field": "messages", "value": messages_value(json!([reply]), json!([status.clone()])) },
                { "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } },
            ] },
            { "id": "2", "changes": [
                { "field": "messages", "value": messages_value(json!([]), json!([status])) },
            ] },
        ],
    });
    let changes = parse(&body).unwrap().changes;
    assert_eq!(changes.len(), 3);
    assert!(matches!(&changes[0], MetaChange::Messages(events) if events.len() == 2));
    assert_eq!(changes[1], MetaChange::Ignored("account_update".to_owned()));
    assert!(matches!(&changes[2], MetaChange::Messages(events) if events.len() == 1));
}

#[test]
fn template_status_updates_are_read() {
    let body = notification(&[
        (
            "message_template_status_update",
            json!({
                "event": "PAUSED",
                "message_template_id": 806312974732579_i64,
                "message_template_name": "spring_sale",
                "message_template_language": "fr",
                "reason": "Quality of the template is low",
                "message_template_category": "MARKETING",
            }),
        ),
        (
            "message_template_status_update",
            json!({
                "event": "FLAGGED",
                "message_template_name": "spring_sale",
                "message_template_language": "fr",
                "reason": "NONE",
            }),
        ),
    ]);
    let changes = parse(&body).unwrap().changes;
    assert_eq!(
        changes[0],
        MetaChange::TemplateStatus(TemplateStatusUpdate {
            template_id: Some("806312974732579".to_owned()),
            name: "spring_sale".to_owned(),
            language: "fr".to_owned(),
            status: Some(TemplateStatus::Paused),
            raw_status: "PAUSED".to_owned(),
            reason: Some("Quality of the template is low".to_owned()),
            category: Some(TemplateCategory::Marketing),
        })
    );
    let MetaChange::TemplateStatus(flagged) = &changes[1] else {
        panic!("{changes:?}");
    };
    assert_eq!((flagged.status, flagged.reason.as_deref()), (None, None));
    assert_eq!(flagged.raw_status, "FLAGGED");
}

#[test]
fn category_changes_route_only_once_made() {
    let made = json!({
        "message_template_id": "1", "message_template_name": "order_update",
        "message_template_language": "en_US", "previous_category": "UTILITY", "new_category": "MARKETING",
    });
    let announced = json!({
        "message_template_id": "1", "message_template_name": "order_update",
        "message_template_language": "en_US", "correct_category": "MARKETING",
        "new_category": "UTILITY", "category_update_timestamp": NOW,
    });
    let body = notification(&[
        ("template_category_update", made),
        ("template_category_update", announced),
    ]);
    let changes = parse(&body).unwrap().changes;
    let [
        MetaChange::TemplateCategory(made),
        MetaChange::TemplateCategory(announced),
    ] = changes.as_slice()
    else {
        panic!("{changes:?}");
    };
    assert_eq!(
        (made.category, made.announced.as_deref()),
        (Some(TemplateCategory::Marketing), None)
    );
    assert_eq!(made.language.as_deref(), Some("en_US"));
    assert_eq!(
        (announced.category, announced.announced.as_deref()),
        (Some(TemplateCategory::Utility), Some("MARKETING"))
    );
}

#[test]
fn quality_updates_are_read() {
    let body = notification(&[(
        "message_template_quality_update",
        json!({ "previous_quality_score": "GREEN", "new_quality_score": "RED",
                "message_template_id": 1, "message_template_name": "spring_sale",
                "message_template_language": "fr" }),
    )]);
    assert_eq!(
        parse(&body).unwrap().changes,
        vec![MetaChange::TemplateQuality(TemplateQualityUpdate {
            template_id: Some("1".to_owned()),
            name: "spring_sale".to_owned(),
            language: Some("fr".to_owned()),
            quality: Some(TemplateQuality::Red),
            previous: Some(TemplateQuality::Green),
        })]
    );
}

#[test]
fn messaging_limit_changes_are_read_and_other_capabilities_ignored() {
    let body = notification(&[
        (
            "business_capability_update",
            json!({ "max_daily_conversations_per_business": 10000, "max_phone_numbers_per_business": 2 }),
        ),
        (
            "business_capability_update",
            json!({ "max_daily_conversation_per_phone": -1 }),
        ),
        (
            "phone_number_quality_update",
            json!({ "event": "UPGRADE", "current_limit": "TIER_100K", "max_daily_conversations_per_business": "TIER_100K" }),
        ),
        (
            "business_capability_update",
            json!({ "max_phone_numbers_per_waba": 2 }),
        ),
    ]);
    assert_eq!(
        parse(&body).unwrap().changes,
        vec![
            MetaChange::MessagingLimit(Some(10_000)),
            MetaChange::MessagingLimit(None),
            MetaChange::MessagingLimit(Some(100_000)),
            MetaChange::Ignored("business_capability_update".to_owned()),
        ]
    );
}

#[test]
fn optional_fields_of_another_type_read_as_absent() {
    let mut reply = message("text", json!({ "body": 42 }));
    reply["context"] = json!("wamid.OUT1");
    reply["timestamp"] = json!("yesterday");
    let reply = inbound(reply);
    assert_eq!(reply.text, None);
    assert_eq!(reply.context_id, None);
    assert!(reply.consent_texts.is_empty());

    let status = json!({ "id": "wamid.OUT1", "status": "sent", "recipient_id": 7,
                         "biz_opaque_callback_data": ["r"], "errors": "none", "timestamp": NOW });
    let events = events(json!([]), json!([status]));
    let [MetaEvent::Status(status)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!(
        (
            status.recipient_id.as_str(),
            status.reference.as_deref(),
            status.errors.len()
        ),
        ("", None, 0)
    );
    assert_eq!(status.at, at(NOW));
}

#[test]
fn other_objects_carry_no_change() {
    let body = json!({ "object": "page", "entry": [{ "id": "1", "changes": [{ "field": "feed", "value": {} }] }] });
    assert_eq!(parse(&body).unwrap().changes, vec![]);
}

#[test]
fn malformed_notifications_say_what_is_missing() {
    let reason = |body: Value| parse(&body).expect_err("refused").to_string();
    assert!(
        MetaNotification::parse(b"{")
            .unwrap_err()
            .to_string()
            .starts_with("malformed notification body")
    );
    assert_eq!(reason(json!([])), "notification body is not a JSON object");
    assert_eq!(
        reason(json!({ "object": "whatsapp_business_account" })),
        "notification has no `entry` array"
    );
    assert_eq!(
        reason(json!({ "entry": [{ "changes": [{ "value": {} }] }] })),
        "a change has no `field`"
    );
    assert_eq!(
        reason(notification(&[("messages", json!("nothing"))])),
        "`messages` change has no `value`"
    );
    let without = |field: &str, value: Value| {
        let mut value = value;
        value.as_object_mut().unwrap().remove(field);
        value
    };
    let text = message("text", json!({ "body": "hi" }));
    let cases = [
        (
            messages_value(json!([without("id", text.clone())]), json!([])),
            "inbound message has no `id`",
        ),
        (
            messages_value(json!([without("from", text.clone())]), json!([])),
            "inbound message has no `from`",
        ),
        (
            messages_value(json!([]), json!([{ "status": "read" }])),
            "status has no `id`",
        ),
        (
            messages_value(json!([]), json!([{ "id": "wamid.OUT1" }])),
            "status has no `status`",
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(reason(notification(&[("messages", value)])), expected);
    }
    let mut early = text.clone();
    early["timestamp"] = json!("12");
    assert_eq!(
        reason(notification(&[(
            "messages",
            messages_value(json!([early]), json!([]))
        )])),
        "timestamp 12 is not a plausible Unix time"
    );
    let mut long = text;
    long["id"] = json!("w".repeat(crate::webhook::MAX_MESSAGE_ID_LEN + 1));
    assert_eq!(
        reason(notification(&[(
            "messages",
            messages_value(json!([long]), json!([]))
        )])),
        "inbound message `id` must be at most 256 printable characters"
    );
    assert_eq!(
        reason(notification(&[(
            "message_template_status_update",
            json!({ "message_template_name": "a" })
        )])),
        "template status update has no `event`"
    );
    assert_eq!(
        reason(notification(&[(
            "template_category_update",
            json!({ "new_category": "MARKETING" })
        )])),
        "template category update has no `message_template_name`"
    );
}
