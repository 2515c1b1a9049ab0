//! The `X-Hub-Signature-256` check of Meta's webhook POSTs.
//!
//! Meta signs each POST with `sha256=<hex HMAC-SHA256 of the body, keyed with the app secret>`.
//! The MAC covers the exact bytes received, so it is checked on the raw body, before anything
//! parses it (re-serialised JSON would not match), and compared in constant time so that timing
//! tells an attacker nothing about how much of a forged signature was right.
//!
//! Source: <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint>.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header's value starts with the algorithm's name.
const PREFIX: &str = "sha256=";

/// Why a webhook POST is refused before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request has no X-Hub-Signature-256 header")]
    Missing,
    #[error("the X-Hub-Signature-256 header does not start with `sha256=`")]
    WrongPrefix,
    #[error("the X-Hub-Signature-256 header is not a hexadecimal SHA-256 MAC")]
    BadHex,
    #[error("the X-Hub-Signature-256 header does not match the body")]
    Mismatch,
}

/// Checks `header` (the `X-Hub-Signature-256` value) against `raw_body` signed with
/// `app_secret`. Never logs or returns the secret or the expected MAC.
pub fn verify_signature(
    app_secret: &[u8],
    raw_body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_mac = header
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(SignatureError::WrongPrefix)?;
    let given = hex::decode(hex_mac).map_err(|_| SignatureError::BadHex)?;
    if given.len() != 32 {
        return Err(SignatureError::BadHex);
    }
    // `verify_slice` compares in constant time (through `subtle`).
    mac(app_secret, raw_body)
        .verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `X-Hub-Signature-256` value Meta would send with `raw_body`: for tests and for the
/// sandbox, which signs the webhooks it sends the same way.
pub fn sign(app_secret: &[u8], raw_body: &[u8]) -> String {
    let digest = mac(app_secret, raw_body).finalize().into_bytes();
    format!("{PREFIX}{}", hex::encode(digest))
}

fn mac(app_secret: &[u8], raw_body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(app_secret).expect("HMAC accepts any key length");
    mac.update(raw_body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SECRET: &[u8] = b"app-secret";

    #[test]
    fn a_known_vector_matches() {
        // HMAC-SHA256(key "secret", "test"), as any HMAC implementation computes it.
        assert_eq!(
            sign(b"secret", b"test"),
            "sha256=0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"
        );
    }

    #[test]
    fn each_refusal_says_why() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let good = sign(SECRET, body);
        assert_eq!(verify_signature(SECRET, body, Some(&good)), Ok(()));
        assert_eq!(
            verify_signature(SECRET, body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(SECRET, body, Some(good.trim_start_matches("sha256="))),
            Err(SignatureError::WrongPrefix)
        );
        assert_eq!(
            verify_signature(SECRET, body, Some(&good.replace("sha256=", "sha1="))),
            Err(SignatureError::WrongPrefix)
        );
        assert_eq!(
            verify_signature(SECRET, body, Some("sha256=zz")),
            Err(SignatureError::BadHex)
        );
        assert_eq!(
            verify_signature(SECRET, body, Some("sha256=abcd")),
            Err(SignatureError::BadHex)
        );
        assert_eq!(
            verify_signature(SECRET, b"{}", Some(&good)),
            Err(SignatureError::Mismatch)
        );
    }

    proptest! {
        #[test]
        fn a_signed_body_verifies(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let header = sign(SECRET, &body);
            prop_assert_eq!(verify_signature(SECRET, &body, Some(&header)), Ok(()));
        }

        #[test]
        fn changing_one_byte_of_the_body_fails(
            body in proptest::collection::vec(any::<u8>(), 1..2048),
            index in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let header = sign(SECRET, &body);
            let mut changed = body.clone();
            let at = index.index(changed.len());
            changed[at] ^= flip;
            prop_assert_eq!(
                verify_signature(SECRET, &changed, Some(&header)),
                Err(SignatureError::Mismatch)
            );
        }

        #[test]
        fn changing_one_character_of_the_signature_fails(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            index in any::<prop::sample::Index>(),
        ) {
            let header = sign(SECRET, &body);
            let hex_start = PREFIX.len();
            let at = hex_start + index.index(header.len() - hex_start);
            let mut bytes = header.into_bytes();
            // Another hex digit, so the change is always a wrong MAC, never bad hex.
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
            let changed = String::from_utf8(bytes).expect("hex stays ASCII");
            prop_assert_eq!(
                verify_signature(SECRET, &body, Some(&changed)),
                Err(SignatureError::Mismatch)
            );
        }

        #[test]
        fn another_secret_fails(
            body in proptest::collection::vec(any::<u8>(), 0..512),
            other in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            // HMAC pads a short key with zero bytes, so `SECRET` followed by zeros is the same key.
            let significant = other.iter().rposition(|byte| *byte != 0).map_or(0, |last| last + 1);
            prop_assume!(&other[..significant] != SECRET);
            let header = sign(&other, &body);
            prop_assert_eq!(
                verify_signature(SECRET, &body, Some(&header)),
                Err(SignatureError::Mismatch)
            );
        }
    }
}
