use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;

const DEVICE: Device<'static> = Device {
    id: "65f1c2a0d4e5f60718293a4b",
    phone: "+15550100000",
};

fn record() -> AcceptedRecord {
    AcceptedRecord {
        id: "65f1c2a0d4e5f60718293a4c".into(),
        wa_id: "3EB0AABBCCDDEEFF0011".into(),
        phone: "+34600111222".into(),
        message: "Hello from the campaign".into(),
        reference: Some("campaign-1:contact-7:step-0".into()),
        accepted_at: DateTime::parse_from_rfc3339("2025-01-02T03:04:05.678Z")
            .expect("valid date")
            .with_timezone(&Utc),
        ..AcceptedRecord::default()
    }
}

fn assert_envelope(event: &Value, name: &str) {
    assert_eq!(event["event"], name);
    assert_eq!(event["object"], "message");
    assert!(event["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(event["created"].is_i64());
    assert_eq!(event["device"]["id"], DEVICE.id);
    assert_eq!(event["device"]["phone"], DEVICE.phone);
}

#[test]
fn ack_events_carry_the_ack_twice_and_identify_the_message() {
    let now = Utc::now();
    for ack in [Ack::Sent, Ack::Delivered, Ack::Read] {
        let event = ack_event(&DEVICE, &record(), ack, now);
        assert_envelope(&event, "message:out:ack");
        assert_eq!(event["ack"], ack.as_str());
        let data = &event["data"];
        assert_eq!(data["ack"], ack.as_str());
        assert_eq!(data["id"], "65f1c2a0d4e5f60718293a4c");
        assert_eq!(data["waId"], "3EB0AABBCCDDEEFF0011");
        assert_eq!(data["reference"], "campaign-1:contact-7:step-0");
        assert_eq!(data["flow"], "outbound");
        assert_eq!(data["toNumber"], "+34600111222");
        assert_eq!(data["to"], "34600111222@c.us");
        assert_eq!(data["fromNumber"], DEVICE.phone);
        assert_eq!(data["date"], "2025-01-02T03:04:05.678Z");
        assert_eq!(data["timestamp"], 1_735_787_045);
    }
}

#[test]
fn every_reply_kind_has_the_wassenger_shape() {
    let mut rng = StdRng::seed_from_u64(7);
    let now = Utc::now();
    for kind in ReplyKind::ALL {
        let event = reply_event(&DEVICE, &record(), kind, now, &mut rng);
        let data = &event["data"];
        let expected_type = serde_json::to_value(kind).expect("serializes");
        assert_eq!(data["type"], expected_type, "{kind:?}");
        if kind == ReplyKind::Reaction {
            assert_envelope(&event, "message:reaction");
            assert!(data["reaction"].as_str().is_some_and(|e| !e.is_empty()));
            assert_eq!(data["body"], data["reaction"]);
        } else {
            assert_envelope(&event, "message:in:new");
            assert_eq!(event["id"], data["id"]);
        }
        assert_eq!(data["flow"], "inbound");
        assert_eq!(data["fromNumber"], "+34600111222");
        assert_eq!(data["from"], "34600111222@c.us");
        assert_eq!(data["toNumber"], DEVICE.phone);
        assert!(data["body"].is_string(), "{kind:?}");
        assert!(data["timestamp"].is_i64());
        assert_eq!(data["quoted"]["id"], "65f1c2a0d4e5f60718293a4c");
        assert_eq!(data["quoted"]["waId"], "3EB0AABBCCDDEEFF0011");
        assert_eq!(data["quoted"]["reference"], "campaign-1:contact-7:step-0");
        match kind {
            ReplyKind::Text => {
                assert!(data["body"].as_str().is_some_and(|b| !b.is_empty()));
            }
            ReplyKind::Location => {
                assert_eq!(
                    data["location"]["coordinates"].as_array().map(Vec::len),
                    Some(2)
                );
            }
            ReplyKind::Reaction => {}
            _ => {
                assert!(data["media"]["mime"].is_string(), "{kind:?}");
                assert!(data["media"]["links"]["download"].is_string());
            }
        }
    }
}

#[test]
fn voice_notes_are_ptt_in_type_and_media_format() {
    let event = reply_event(
        &DEVICE,
        &record(),
        ReplyKind::Voice,
        Utc::now(),
        &mut StdRng::seed_from_u64(1),
    );
    assert_eq!(event["data"]["type"], "ptt");
    assert_eq!(event["data"]["media"]["format"], "ptt");
    assert!(event["data"]["media"]["meta"]["duration"].is_u64());
}
