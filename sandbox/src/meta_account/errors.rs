//! Meta's error codes, with the bodies the Cloud API answers and the `errors[]` entries its
//! webhooks carry, from <https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes/>
//! and <https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/errors>.
//!
//! Clients are told to build on `code` and `error_data.details`, never on titles, so the titles
//! here only need to read like Meta's.

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Where Meta's error-code table lives, as webhooks' `href` gives it.
const ERROR_CODES_HREF: &str = "/documentation/business-messaging/whatsapp/support/error-codes";

/// The Cloud API error codes the sandbox can produce. Serialized as the bare number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u32", try_from = "u32")]
pub enum MetaErrorCode {
    /// 100: a malformed request (missing or invalid parameter).
    InvalidParameter,
    /// 190: the access token is invalid or expired.
    AccessTokenExpired,
    /// 130429: the number's throughput is exceeded.
    RateLimitHit,
    /// 131000: an unknown error.
    SomethingWentWrong,
    /// 131026: the message cannot be delivered to this recipient.
    MessageUndeliverable,
    /// 131047: more than 24 hours since the recipient last wrote.
    ReEngagementMessage,
    /// 131049: not delivered to maintain healthy ecosystem engagement (per-user marketing cap).
    EcosystemEngagement,
    /// 131050: the recipient stopped marketing messages from this business.
    MarketingOptedOut,
    /// 131056: too many messages to the same recipient in a short time.
    PairRateLimitHit,
    /// 132000: parameter count does not match the template.
    ParameterCountMismatch,
    /// 132001: no template with this name in this language.
    TemplateDoesNotExist,
    /// 132015: the template is paused.
    TemplatePaused,
    /// 132016: the template is disabled.
    TemplateDisabled,
}

/// A number that is not one of [`MetaErrorCode`]'s codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported Meta error code {0}")]
pub struct UnknownMetaCode(pub u32);

impl MetaErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [Self; 13] = [
        Self::InvalidParameter,
        Self::AccessTokenExpired,
        Self::RateLimitHit,
        Self::SomethingWentWrong,
        Self::MessageUndeliverable,
        Self::ReEngagementMessage,
        Self::EcosystemEngagement,
        Self::MarketingOptedOut,
        Self::PairRateLimitHit,
        Self::ParameterCountMismatch,
        Self::TemplateDoesNotExist,
        Self::TemplatePaused,
        Self::TemplateDisabled,
    ];

    /// Meta's numeric code.
    pub fn code(self) -> u32 {
        match self {
            Self::InvalidParameter => 100,
            Self::AccessTokenExpired => 190,
            Self::RateLimitHit => 130_429,
            Self::SomethingWentWrong => 131_000,
            Self::MessageUndeliverable => 131_026,
            Self::ReEngagementMessage => 131_047,
            Self::EcosystemEngagement => 131_049,
            Self::MarketingOptedOut => 131_050,
            Self::PairRateLimitHit => 131_056,
            Self::ParameterCountMismatch => 132_000,
            Self::TemplateDoesNotExist => 132_001,
            Self::TemplatePaused => 132_015,
            Self::TemplateDisabled => 132_016,
        }
    }

    /// The HTTP status of the synchronous answer, per Meta's table.
    pub fn http_status(self) -> u16 {
        match self {
            Self::AccessTokenExpired => 401,
            Self::TemplateDoesNotExist => 404,
            Self::SomethingWentWrong => 500,
            _ => 400,
        }
    }

    /// The title, which Meta puts in `message` after `(#code) `.
    pub fn title(self) -> &'static str {
        match self {
            Self::InvalidParameter => "Invalid parameter",
            Self::AccessTokenExpired => "Access token has expired",
            Self::RateLimitHit => "Rate limit hit",
            Self::SomethingWentWrong => "Something went wrong",
            Self::MessageUndeliverable => "Message undeliverable",
            Self::ReEngagementMessage => "Re-engagement message",
            Self::EcosystemEngagement => {
                "This message was not delivered to maintain healthy ecosystem engagement."
            }
            Self::MarketingOptedOut => {
                "Unable to deliver the message. This recipient has chosen to stop receiving \
                 marketing messages on WhatsApp from your business."
            }
            Self::PairRateLimitHit => "(Business Account, Consumer Account) pair rate limit hit",
            Self::ParameterCountMismatch => {
                "Number of parameters does not match the expected number of params"
            }
            Self::TemplateDoesNotExist => "Template name does not exist in the translation",
            Self::TemplatePaused => "Template is Paused",
            Self::TemplateDisabled => "Template is Disabled",
        }
    }

    /// The default `error_data.details` when the failure has no more specific explanation.
    pub fn default_details(self) -> &'static str {
        match self {
            Self::InvalidParameter => "Invalid parameter",
            Self::AccessTokenExpired => "Error validating access token",
            Self::RateLimitHit => {
                "Message failed to send because there were too many messages sent from this \
                 phone number in a short period of time"
            }
            Self::SomethingWentWrong => "Message failed to send due to an unknown error.",
            Self::MessageUndeliverable => "Message Undeliverable.",
            Self::ReEngagementMessage => {
                "Message failed to send because more than 24 hours have passed since the \
                 customer last replied to this number."
            }
            Self::EcosystemEngagement => {
                "This message was not delivered to maintain healthy ecosystem engagement."
            }
            Self::MarketingOptedOut => {
                "This recipient has chosen to stop receiving marketing messages on WhatsApp \
                 from your business."
            }
            Self::PairRateLimitHit => {
                "Message failed to send because there were too many messages sent from this \
                 phone number to the same phone number in a short period of time."
            }
            Self::ParameterCountMismatch => {
                "body: number of localizable_params does not match the expected number of params"
            }
            Self::TemplateDoesNotExist => "template name does not exist in the translation",
            Self::TemplatePaused => {
                "Template is paused due to low quality so it cannot be sent in a template message."
            }
            Self::TemplateDisabled => {
                "Template has been paused too many times due to low quality and is now \
                 permanently disabled."
            }
        }
    }

    /// The Graph error `type`.
    fn error_type(self) -> &'static str {
        match self {
            Self::SomethingWentWrong => "GraphMethodException",
            _ => "OAuthException",
        }
    }
}

impl From<MetaErrorCode> for u32 {
    fn from(code: MetaErrorCode) -> Self {
        code.code()
    }
}

impl TryFrom<u32> for MetaErrorCode {
    type Error = UnknownMetaCode;

    fn try_from(number: u32) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|code| code.code() == number)
            .ok_or(UnknownMetaCode(number))
    }
}

/// A Graph trace id: support quotes it, clients only log it.
fn fbtrace_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::rng();
    (0..23)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The synchronous error body: `{"error": {message, type, code, error_data, fbtrace_id}}`.
///
/// `error_subcode` is left out: Meta documents it as absent from v16.0 on. An authentication
/// error carries no `error_data`, as Graph's OAuth errors do not.
pub fn error_body(code: MetaErrorCode, details: Option<&str>) -> Value {
    let mut error = json!({
        "message": format!("(#{}) {}", code.code(), code.title()),
        "type": code.error_type(),
        "code": code.code(),
        "fbtrace_id": fbtrace_id(),
    });
    if code == MetaErrorCode::AccessTokenExpired {
        error["message"] = json!("Invalid OAuth access token - Cannot parse access token");
    } else {
        error["error_data"] = json!({
            "messaging_product": "whatsapp",
            "details": details.unwrap_or(code.default_details()),
        });
    }
    json!({ "error": error })
}

/// One entry of a webhook's `errors[]` (in `statuses[]` or `value`).
pub fn webhook_error(code: MetaErrorCode, details: Option<&str>) -> Value {
    json!({
        "code": code.code(),
        "title": code.title(),
        "message": code.title(),
        "error_data": { "details": details.unwrap_or(code.default_details()) },
        "href": ERROR_CODES_HREF,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_numbers() {
        for code in MetaErrorCode::ALL {
            assert_eq!(MetaErrorCode::try_from(code.code()), Ok(code));
            let json = serde_json::to_value(code).expect("serializes");
            assert_eq!(json, json!(code.code()));
        }
        assert_eq!(MetaErrorCode::try_from(7), Err(UnknownMetaCode(7)));
    }

    #[test]
    fn bodies_have_meta_shape() {
        let body = error_body(
            MetaErrorCode::TemplateDoesNotExist,
            Some("no such template"),
        );
        assert_eq!(body["error"]["code"], 132_001);
        assert_eq!(body["error"]["type"], "OAuthException");
        assert_eq!(body["error"]["error_data"]["messaging_product"], "whatsapp");
        assert_eq!(body["error"]["error_data"]["details"], "no such template");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("(#132001) "))
        );
        assert!(body["error"]["fbtrace_id"].is_string());
        let auth = error_body(MetaErrorCode::AccessTokenExpired, None);
        assert_eq!(auth["error"]["code"], 190);
        assert!(auth["error"].get("error_data").is_none());
        assert_eq!(MetaErrorCode::AccessTokenExpired.http_status(), 401);
        assert_eq!(MetaErrorCode::TemplateDoesNotExist.http_status(), 404);
    }
}
