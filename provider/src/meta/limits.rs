//! The business's messaging limit, as Meta writes it.
//!
//! The limit is the number of unique WhatsApp users a business portfolio may reach outside a
//! customer-service window in a moving 24 hours: 250, 2,000, 10,000, 100,000 or unlimited. Meta
//! writes it three ways:
//! * the `whatsapp_business_manager_messaging_limit` field of the business phone number
//!   (`TIER_250`, `TIER_2K`, `TIER_10K`, `TIER_100K`, `TIER_UNLIMITED`), which replaced the
//!   deprecated `messaging_limit_tier`
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits>);
//! * `max_daily_conversations_per_business` in the `business_capability_update` webhook, an
//!   integer where `-1` means unlimited
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/business_capability_update/>);
//! * the same field, or a tier, in `phone_number_quality_update`
//!   (<https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update>).

use serde_json::Value;

/// Why a limit cannot be read; the text says what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable messaging limit {0}")]
pub struct UnreadableLimit(pub String);

/// Reads a messaging limit written as a tier (`TIER_2K`), an integer (`2000`, `-1` for
/// unlimited) or an integer in a string. `Ok(None)` means unlimited.
pub fn read_messaging_limit(value: &Value) -> Result<Option<i32>, UnreadableLimit> {
    let unreadable = || UnreadableLimit(value.to_string());
    match value {
        Value::Number(number) => number
            .as_i64()
            .ok_or_else(unreadable)
            .and_then(|count| from_count(count).ok_or_else(unreadable)),
        Value::String(text) => read_text(text).ok_or_else(unreadable),
        _ => Err(unreadable()),
    }
}

fn read_text(text: &str) -> Option<Option<i32>> {
    let text = text.trim().to_ascii_uppercase();
    if let Ok(count) = text.parse::<i64>() {
        return from_count(count);
    }
    let tier = text.strip_prefix("TIER_").unwrap_or(&text);
    if tier == "UNLIMITED" {
        return Some(None);
    }
    let (digits, factor) = match tier.strip_suffix('K') {
        Some(thousands) => (thousands, 1_000),
        None => (tier, 1),
    };
    let count = digits.parse::<u32>().ok()?.checked_mul(factor)?;
    i32::try_from(count)
        .ok()
        .filter(|count| *count > 0)
        .map(Some)
}

/// A count of contacts, where Meta's `-1` is unlimited.
fn from_count(count: i64) -> Option<Option<i32>> {
    match count {
        -1 => Some(None),
        1.. => i32::try_from(count).ok().map(Some),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_tier_meta_documents_is_read() {
        for (tier, limit) in [
            ("TIER_250", Some(250)),
            ("TIER_2K", Some(2_000)),
            ("TIER_10K", Some(10_000)),
            ("TIER_100K", Some(100_000)),
            ("TIER_UNLIMITED", None),
            // Tiers of the per-number limits before October 2025.
            ("TIER_50", Some(50)),
            ("TIER_1K", Some(1_000)),
        ] {
            assert_eq!(read_messaging_limit(&json!(tier)), Ok(limit), "{tier}");
        }
    }

    #[test]
    fn counts_are_read_with_minus_one_unlimited() {
        assert_eq!(read_messaging_limit(&json!(2000)), Ok(Some(2_000)));
        assert_eq!(read_messaging_limit(&json!(-1)), Ok(None));
        assert_eq!(read_messaging_limit(&json!("10000")), Ok(Some(10_000)));
    }

    #[test]
    fn anything_else_is_unreadable() {
        for value in [
            json!("TIER_MANY"),
            json!("TIER_0"),
            json!(0),
            json!(-5),
            json!(2.5),
            json!(null),
            json!(["TIER_2K"]),
            json!("TIER_99999999K"),
        ] {
            assert!(read_messaging_limit(&value).is_err(), "{value}");
        }
    }
}
