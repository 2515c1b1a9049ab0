//! `/users`: user administration, `super_admin` only (the [`SuperAdmin`] extractor answers 403
//! to anyone else).

use crate::auth::{ROLE_ADMIN, ROLE_SUPER_ADMIN, SuperAdmin, hash_password, validate_password};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use campaign_activities::store::users::{User, UserChanges};
use serde::Deserialize;

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(show).put(update).delete(remove))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    email: String,
    password: String,
    full_name: Option<String>,
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserUpdate {
    email: Option<String>,
    password: Option<String>,
    full_name: Option<String>,
    role: Option<String>,
    is_active: Option<bool>,
}

fn valid_email(email: &str) -> ApiResult<String> {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && email.len() <= 254 =>
        {
            Ok(email.to_owned())
        }
        _ => Err(ApiError::Validation(format!("invalid email: {email:?}"))),
    }
}

fn valid_role(role: &str) -> ApiResult<String> {
    match role {
        ROLE_ADMIN | ROLE_SUPER_ADMIN => Ok(role.to_owned()),
        other => Err(ApiError::Validation(format!(
            "role must be {ROLE_ADMIN} or {ROLE_SUPER_ADMIN}, got {other:?}"
        ))),
    }
}

async fn list(_: SuperAdmin, State(context): State<ApiContext>) -> ApiResult<ApiJson<Vec<User>>> {
    Ok(ApiJson(context.store.list_users().await?))
}

async fn create(
    _: SuperAdmin,
    State(context): State<ApiContext>,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, ApiJson<User>)> {
    let email = valid_email(&new.email)?;
    let role = valid_role(new.role.as_deref().unwrap_or(ROLE_ADMIN))?;
    validate_password(&new.password)?;
    let hash = hash_password(new.password).await?;
    let user = context
        .store
        .create_user(&email, &hash, new.full_name.as_deref(), &role)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(user)))
}

async fn show(
    _: SuperAdmin,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<User>> {
    Ok(ApiJson(context.store.user(id).await?))
}

async fn update(
    SuperAdmin(me): SuperAdmin,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> ApiResult<ApiJson<User>> {
    if id == me.id
        && (update.is_active == Some(false) || update.role.as_deref() == Some(ROLE_ADMIN))
    {
        // Otherwise the last super admin could lock everyone out of user administration.
        return Err(ApiError::Conflict(
            "you cannot deactivate or demote yourself".to_owned(),
        ));
    }
    let password_hash = match update.password {
        Some(password) => {
            validate_password(&password)?;
            Some(hash_password(password).await?)
        }
        None => None,
    };
    let changes = UserChanges {
        email: update.email.as_deref().map(valid_email).transpose()?,
        full_name: update.full_name,
        role: update.role.as_deref().map(valid_role).transpose()?,
        is_active: update.is_active,
        password_hash,
    };
    Ok(ApiJson(context.store.update_user(id, changes).await?))
}

async fn remove(
    SuperAdmin(me): SuperAdmin,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    if id == me.id {
        return Err(ApiError::Conflict("you cannot delete yourself".to_owned()));
    }
    context.store.delete_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
