//! The one error type of the HTTP boundary, mapped to statuses and the JSON body
//! `{"error": {"code", "message"}}` of SPEC §6.
//!
//! Database errors are inspected for the named constraints of the schema, so a duplicate phone
//! answers 409 and a broken reference 409 (`unknown_reference`) without a check-then-insert race. Anything unexpected
//! is logged with its cause and answered 500 with a generic message: internals never reach a
//! client.

use crate::operations::OperationError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campaign_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("this action needs the super_admin role")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Ids in a request body that name nothing: 409, a conflict with what the database holds
    /// (the request is well formed and would succeed were the records there). Not 404, which
    /// says the route's own resource (its path) does not exist.
    #[error("{0}")]
    UnknownReference(String),
    #[error("this method is not allowed on this route")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Validation(String),
    #[error("{message}")]
    QuotaExceeded { message: String, remaining: i64 },
    /// Too many failed sign-ins (see `crate::sign_in`): answered with `Retry-After`.
    #[error("too many failed sign-ins; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::UnknownReference(_) => (StatusCode::CONFLICT, "unknown_reference"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
            ApiError::QuotaExceeded { .. } => (StatusCode::TOO_MANY_REQUESTS, "quota_exceeded"),
            ApiError::TooManyAttempts { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
            }
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(err) => {
                tracing::error!(error = ?err, "request failed");
                "internal error".to_owned()
            }
            ApiError::Unavailable(dependency) => {
                tracing::warn!(dependency, "dependency unavailable");
                self.to_string()
            }
            other => other.to_string(),
        };
        let remaining = match self {
            ApiError::QuotaExceeded { remaining, .. } => Some(remaining),
            _ => None,
        };
        let retry_after = match self {
            ApiError::TooManyAttempts { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                remaining,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Every error answer: `{"error": {"code", "message"}}`, with the HTTP status telling the kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `unknown_reference`, `validation_error`, `quota_exceeded`, `too_many_attempts`,
    /// `payload_too_large`, `unavailable` or `internal_error`.
    #[schema(value_type = String, example = "not_found")]
    pub code: &'static str,
    #[schema(example = "campaign not found")]
    pub message: String,
    /// With `quota_exceeded` only: messages still allowed today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<i64>,
}

/// Unique and foreign-key constraints of the schema, as clients should read them.
fn constraint_error(constraint: &str) -> Option<ApiError> {
    Some(match constraint {
        "contacts_phone_key" => {
            ApiError::Conflict("a contact with this phone number already exists".to_owned())
        }
        "categories_name_key" => {
            ApiError::Conflict("a category with this name already exists".to_owned())
        }
        "users_email_key" => ApiError::Conflict("a user with this email already exists".to_owned()),
        "campaigns_relaunched_from_key" => {
            ApiError::Conflict("this campaign has already been relaunched".to_owned())
        }
        name if name.ends_with("_fkey") => {
            ApiError::UnknownReference(format!("a referenced record does not exist ({name})"))
        }
        _ => return None,
    })
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::InUse(what) => ApiError::Conflict(what.to_owned()),
            StoreError::Database(sqlx::Error::Database(db)) => {
                match db.constraint().and_then(constraint_error) {
                    Some(mapped) => mapped,
                    // Class 22, data exceptions: a value Postgres cannot store (a NUL in text,
                    // a number out of range) is the client's input, not a server fault.
                    None if db.code().is_some_and(|code| code.starts_with("22")) => {
                        ApiError::Validation(format!("a value cannot be stored: {}", db.message()))
                    }
                    None => ApiError::Internal(anyhow::Error::new(sqlx::Error::Database(db))),
                }
            }
            StoreError::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed,
            ) => ApiError::Unavailable("database"),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<OperationError> for ApiError {
    fn from(err: OperationError) -> Self {
        match err {
            OperationError::NotFound => ApiError::NotFound("campaign"),
            OperationError::NotDraft { .. }
            | OperationError::NotFinished { .. }
            | OperationError::AlreadyRelaunched { .. }
            | OperationError::RunStillOpen
            | OperationError::NothingToRetry
            | OperationError::NoContacts { .. }
            | OperationError::NotScheduled { .. }
            | OperationError::Scheduled => ApiError::Conflict(err.to_string()),
            OperationError::InvalidSettings(_)
            | OperationError::InvalidLaunchTime(_)
            | OperationError::TemplateRefused(_) => ApiError::Validation(err.to_string()),
            OperationError::QuotaExceeded { remaining, .. }
            | OperationError::MessagingLimitExceeded { remaining, .. } => ApiError::QuotaExceeded {
                message: err.to_string(),
                remaining,
            },
            OperationError::Store(store) => store.into(),
            OperationError::Temporal(reason) => {
                tracing::warn!(%reason, "Temporal call failed");
                ApiError::Unavailable("Temporal")
            }
        }
    }
}

/// The JSON body extractor's rejections as API errors: malformed JSON is 400, a body of the
/// wrong shape 422, an oversized one 413 (SPEC §6 error format throughout).
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection;
        match rejection {
            JsonRejection::JsonDataError(err) => ApiError::Validation(err.body_text()),
            JsonRejection::JsonSyntaxError(err) => ApiError::BadRequest(err.body_text()),
            JsonRejection::MissingJsonContentType(err) => ApiError::BadRequest(err.body_text()),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::Validation(rejection.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// `Json` whose rejections answer in the API's error format, and which takes a JSON object only:
/// serde also reads a struct from an array of its fields in order (`[null, null]`), a form no
/// client means and the OpenAPI document does not allow.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> ApiResult<Self> {
        let Json(object) =
            Json::<serde_json::Map<String, serde_json::Value>>::from_request(request, state)
                .await?;
        serde_json::from_value(serde_json::Value::Object(object))
            .map(ApiJson)
            .map_err(|err| {
                ApiError::Validation(format!(
                    "Failed to deserialize the JSON body into the target type: {err}"
                ))
            })
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Query` whose rejections answer in the API's error format.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejections answer in the API's error format.
#[derive(Debug, Clone, Copy, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);
