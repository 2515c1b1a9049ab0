//! JWT access and refresh tokens: the signing keys and their lifetimes, held by the shared
//! context. Tokens carry their kind so a refresh token cannot be used as an access token.

use crate::error::{ApiError, ApiResult};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Signing keys and token lifetimes.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenKind {
    Access,
    Refresh,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    kind: TokenKind,
    iat: u64,
    exp: u64,
}

impl JwtKeys {
    pub fn new(secret: &str, access_ttl: Duration, refresh_ttl: Duration) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            access_ttl,
            refresh_ttl,
        }
    }

    /// A new access token for `user_id`.
    pub fn access_token(&self, user_id: i64) -> ApiResult<String> {
        self.issue(user_id, TokenKind::Access)
    }

    /// Seconds an access token lives.
    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl.as_secs()
    }

    pub(crate) fn issue(&self, user_id: i64, kind: TokenKind) -> ApiResult<String> {
        let now = jsonwebtoken::get_current_timestamp();
        let ttl = match kind {
            TokenKind::Access => self.access_ttl,
            TokenKind::Refresh => self.refresh_ttl,
        };
        let claims = Claims {
            sub: user_id.to_string(),
            kind,
            iat: now,
            exp: now + ttl.as_secs(),
        };
        jsonwebtoken::encode(&Header::default(), &claims, &self.encoding)
            .map_err(|err| ApiError::Internal(err.into()))
    }

    /// The user id of a valid, unexpired token of `kind`.
    pub(crate) fn verify(&self, token: &str, kind: TokenKind) -> ApiResult<i64> {
        let mut validation = Validation::default();
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| ApiError::Unauthorized("invalid or expired token"))?
            .claims;
        if claims.kind != kind {
            return Err(ApiError::Unauthorized("wrong kind of token"));
        }
        claims
            .sub
            .parse()
            .map_err(|_| ApiError::Unauthorized("invalid token subject"))
    }
}
