//! `/users`: user administration, `super_admin` only (the [`SuperAdmin`] extractor answers 403
//! to anyone else).

use crate::audit::{ClientAddr, changed, origin_of};
use crate::auth::{SuperAdmin, User, hash_password, validate_password};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::openapi::{MalformedId, MalformedJson, NotSuperAdmin};
use crate::request_schema;
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::{AuditAction, AuditTarget, Role};
use campaign_store::users::UserChanges;
use serde::Deserialize;
use utoipa::openapi::Object;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
}

// No `Debug` on request bodies carrying a password: it must not reach a log by accident.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUser {
    #[schema(schema_with = email_schema)]
    email: String,
    #[schema(min_length = 8)]
    password: String,
    #[schema(schema_with = full_name_schema)]
    full_name: Option<String>,
    /// `admin` when absent.
    role: Option<Role>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UserUpdate {
    #[schema(schema_with = email_change_schema)]
    email: Option<String>,
    #[schema(min_length = 8)]
    password: Option<String>,
    #[schema(schema_with = full_name_schema)]
    full_name: Option<String>,
    role: Option<Role>,
    is_active: Option<bool>,
}

fn email_schema() -> Object {
    request_schema::email(false)
}

fn email_change_schema() -> Object {
    request_schema::email(true)
}

fn full_name_schema() -> Object {
    request_schema::free_text(true)
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

#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    operation_id = "list_users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All users", body = Vec<User>),
        (status = 403, response = NotSuperAdmin),
    )
)]
async fn list(_: SuperAdmin, State(context): State<ApiContext>) -> ApiResult<ApiJson<Vec<User>>> {
    let users = context.store.list_users().await?;
    Ok(ApiJson(users.into_iter().map(User::from).collect()))
}

#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    operation_id = "create_user",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "The user created", body = User),
        (status = 400, response = MalformedJson),
        (status = 403, response = NotSuperAdmin),
        (status = 409, description = "A user with this email already exists", body = ErrorBody),
        (status = 422, description = "Invalid email, role or password (at least 8 characters)", body = ErrorBody),
    )
)]
async fn create(
    SuperAdmin(me): SuperAdmin,
    ClientAddr(client_addr): ClientAddr,
    State(context): State<ApiContext>,
    ApiJson(new): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, ApiJson<User>)> {
    let email = valid_email(&new.email)?;
    let role = new.role.unwrap_or(Role::Admin);
    validate_password(&new.password)?;
    let hash = hash_password(new.password).await?;
    let entry = origin_of(&me, client_addr)
        .entry(AuditAction::UserCreate)
        .summary(serde_json::json!({ "email": email, "role": role }));
    let user = context
        .store
        .create_user(&email, &hash, new.full_name.as_deref(), role, &entry)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(user.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    operation_id = "get_user",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 200, description = "The user", body = User),
        (status = 403, response = NotSuperAdmin),
        (status = 404, description = "No such user", body = ErrorBody),
    )
)]
async fn show(
    _: SuperAdmin,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<User>> {
    Ok(ApiJson(context.store.user(id).await?.into()))
}

#[utoipa::path(
    put,
    path = "/api/v1/users/{id}",
    tag = "users",
    operation_id = "update_user",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "The user as changed", body = User),
        (status = 400, response = MalformedJson),
        (status = 403, response = NotSuperAdmin),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Email taken, or deactivating or demoting yourself", body = ErrorBody),
        (status = 422, description = "Invalid email, role or password", body = ErrorBody),
    )
)]
async fn update(
    SuperAdmin(me): SuperAdmin,
    ClientAddr(client_addr): ClientAddr,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> ApiResult<ApiJson<User>> {
    if id == me.id && (update.is_active == Some(false) || update.role == Some(Role::Admin)) {
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
        role: update.role,
        is_active: update.is_active,
        password_hash,
    };
    let mut summary = changed(&[
        ("email", changes.email.is_some()),
        ("password", changes.password_hash.is_some()),
        ("full_name", changes.full_name.is_some()),
        ("role", changes.role.is_some()),
        ("is_active", changes.is_active.is_some()),
    ]);
    summary["role"] = serde_json::json!(changes.role);
    summary["is_active"] = serde_json::json!(changes.is_active);
    let entry = origin_of(&me, client_addr)
        .entry(AuditAction::UserUpdate)
        .target(AuditTarget::User, id)
        .summary(summary);
    Ok(ApiJson(
        context.store.update_user(id, changes, &entry).await?.into(),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    tag = "users",
    operation_id = "delete_user",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 204, description = "Deleted"),
        (status = 403, response = NotSuperAdmin),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Deleting yourself", body = ErrorBody),
    )
)]
async fn remove(
    SuperAdmin(me): SuperAdmin,
    ClientAddr(client_addr): ClientAddr,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    if id == me.id {
        return Err(ApiError::Conflict("you cannot delete yourself".to_owned()));
    }
    let entry = origin_of(&me, client_addr)
        .entry(AuditAction::UserDelete)
        .target(AuditTarget::User, id);
    context.store.delete_user(id, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}
