//! Identifiers shaped like Wassenger's, so that code parsing them in production is exercised.
//!
//! * Wassenger's own message and device ids are 24 hex characters (a MongoDB ObjectId: 4 bytes
//!   of creation time, 5 random bytes, a 3-byte counter). Reusing that layout keeps them unique
//!   within a sandbox process even under heavy concurrency.
//! * WhatsApp message ids (`waId`, inbound `data.id`) are upper-case hex strings.

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;
use rand::Rng;

/// Prefix WhatsApp Web gives the ids of messages sent from it; Wassenger's `waId`s carry it.
const OUTBOUND_WA_ID_PREFIX: &str = "3EB0";

/// Source of unique ObjectId-like ids.
#[derive(Debug, Default)]
pub(crate) struct IdGenerator {
    counter: AtomicU32,
}

impl IdGenerator {
    /// A fresh 24-hex-character id, unique for the lifetime of this generator.
    pub(crate) fn object_id(&self) -> String {
        // The counter wraps at 2^24 like an ObjectId's; the timestamp and the random bytes
        // keep ids distinct across wraps and processes.
        let count = self.counter.fetch_add(1, Ordering::Relaxed) & 0x00FF_FFFF;
        let seconds = u32::try_from(Utc::now().timestamp()).unwrap_or(u32::MAX);
        format!("{seconds:08x}{}{count:06x}", random_hex(5, false))
    }
}

/// A WhatsApp-style id for a message the sandbox accepted for sending.
pub(crate) fn outbound_wa_id() -> String {
    format!("{OUTBOUND_WA_ID_PREFIX}{}", random_hex(8, true))
}

/// A WhatsApp-style id for a simulated inbound message or a webhook event.
pub(crate) fn inbound_wa_id() -> String {
    random_hex(16, true)
}

/// `bytes` random bytes as hex.
fn random_hex(bytes: usize, upper: bool) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| {
            let byte: u8 = rng.random();
            if upper {
                format!("{byte:02X}")
            } else {
                format!("{byte:02x}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn object_ids_are_24_lower_hex_and_unique() {
        let ids = IdGenerator::default();
        let generated: HashSet<String> = (0..10_000).map(|_| ids.object_id()).collect();
        assert_eq!(generated.len(), 10_000);
        for id in &generated {
            assert_eq!(id.len(), 24, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
        }
    }

    #[test]
    fn wa_ids_look_like_whatsapp_ids() {
        let outbound = outbound_wa_id();
        assert!(
            outbound.starts_with("3EB0") && outbound.len() == 20,
            "{outbound}"
        );
        let inbound = inbound_wa_id();
        assert_eq!(inbound.len(), 32);
        assert!(
            inbound
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
        );
    }
}
