//! `/categories`: named groups of contacts that campaigns target, and their membership.

use crate::audit::{Operator, changed};
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::openapi::{MalformedId, MalformedJson};
use crate::pagination::{Page, PageQuery, window};
use crate::request_schema;
use crate::routes::contacts::{ContactIds, non_blank, refuse_unknown_contacts};
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::{AuditAction, AuditTarget};
use campaign_store::StoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::Object;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(add_contacts))
        .routes(routes!(remove_contact))
}

const MAX_NAME_CHARS: usize = 100;

/// A category with the number of contacts in it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Category {
    id: i64,
    name: String,
    color: Option<String>,
    contact_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<campaign_store::contacts::Category> for Category {
    fn from(category: campaign_store::contacts::Category) -> Category {
        Category {
            id: category.id,
            name: category.name,
            color: category.color,
            contact_count: category.contact_count,
            created_at: category.created_at,
            updated_at: category.updated_at,
        }
    }
}

/// Contacts added to a category (those already in it are not counted).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AddedAnswer {
    added: u64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Text in the name (case-insensitive).
    #[param(pattern = r"^[^\u0000]*$")]
    search: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewCategory {
    #[schema(schema_with = name_schema)]
    name: String,
    #[schema(schema_with = color_schema)]
    color: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CategoryUpdate {
    #[schema(schema_with = name_change_schema)]
    name: Option<String>,
    #[schema(schema_with = color_schema)]
    color: Option<String>,
}

fn name_schema() -> Object {
    request_schema::name(MAX_NAME_CHARS, false)
}

fn name_change_schema() -> Object {
    request_schema::name(MAX_NAME_CHARS, true)
}

fn color_schema() -> Object {
    request_schema::free_text(true)
}

#[utoipa::path(
    get,
    path = "/api/v1/categories",
    tag = "categories",
    operation_id = "list_categories",
    security(("bearer" = [])),
    params(PageQuery, ListQuery),
    responses(
        (status = 200, description = "A page of categories, by name", body = Page<Category>),
        (status = 422, description = "Invalid page, size or query", body = ErrorBody),
    )
)]
async fn list(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<Category>>> {
    let page = page.request()?;
    let search = non_blank(query.search);
    let (categories, total) = context
        .store
        .list_categories(search.as_deref(), window(page))
        .await?;
    Ok(ApiJson(Page::new(page, categories, total)))
}

#[utoipa::path(
    post,
    path = "/api/v1/categories",
    tag = "categories",
    operation_id = "create_category",
    security(("bearer" = [])),
    request_body = NewCategory,
    responses(
        (status = 201, description = "The category created", body = Category),
        (status = 400, response = MalformedJson),
        (status = 409, description = "A category with this name already exists", body = ErrorBody),
        (status = 422, description = "Invalid name (1 to 100 characters) or body", body = ErrorBody),
    )
)]
async fn create(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiJson(new): ApiJson<NewCategory>,
) -> ApiResult<(StatusCode, ApiJson<Category>)> {
    let name = request_schema::valid_name(&new.name, MAX_NAME_CHARS)?;
    let entry = operator
        .origin
        .entry(AuditAction::CategoryCreate)
        .summary(serde_json::json!({ "name": name }));
    let category = context
        .store
        .add_category(name, new.color.as_deref(), &entry)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(category.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/categories/{id}",
    tag = "categories",
    operation_id = "get_category",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 200, description = "The category", body = Category),
        (status = 404, description = "No such category", body = ErrorBody),
    )
)]
async fn show(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<Category>> {
    Ok(ApiJson(context.store.category(id).await?.into()))
}

#[utoipa::path(
    put,
    path = "/api/v1/categories/{id}",
    tag = "categories",
    operation_id = "update_category",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    request_body = CategoryUpdate,
    responses(
        (status = 200, description = "The category as changed", body = Category),
        (status = 400, response = MalformedJson),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "A category with this name already exists", body = ErrorBody),
        (status = 422, description = "Invalid name or body", body = ErrorBody),
    )
)]
async fn update(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(update): ApiJson<CategoryUpdate>,
) -> ApiResult<ApiJson<Category>> {
    let name = update
        .name
        .as_deref()
        .map(|name| request_schema::valid_name(name, MAX_NAME_CHARS))
        .transpose()?;
    let mut summary = changed(&[("name", name.is_some()), ("color", update.color.is_some())]);
    summary["name"] = serde_json::json!(name);
    let entry = operator
        .origin
        .entry(AuditAction::CategoryUpdate)
        .target(AuditTarget::Category, id)
        .summary(summary);
    let category = context
        .store
        .update_category(id, name, update.color.as_deref(), &entry)
        .await?;
    Ok(ApiJson(category.into()))
}

/// Deletes the category and its memberships, but not one a campaign targets: the campaign's
/// audience would silently change.
#[utoipa::path(
    delete,
    path = "/api/v1/categories/{id}",
    tag = "categories",
    operation_id = "delete_category",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 204, description = "Deleted, with its memberships"),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "The category is targeted by a campaign", body = ErrorBody),
    )
)]
async fn remove(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let entry = operator
        .origin
        .entry(AuditAction::CategoryDelete)
        .target(AuditTarget::Category, id);
    context
        .store
        .delete_category(id, &entry)
        .await
        .map_err(|err| match err {
            StoreError::Database(sqlx::Error::Database(db))
                if db.constraint() == Some("campaign_categories_category_id_fkey") =>
            {
                ApiError::Conflict("the category is targeted by a campaign".to_owned())
            }
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds contacts to the category; those already in it stay as they are, so repeating the call
/// changes nothing. Answers how many were added.
#[utoipa::path(
    post,
    path = "/api/v1/categories/{id}/contacts",
    tag = "categories",
    operation_id = "add_category_contacts",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Category id")),
    request_body = ContactIds,
    responses(
        (status = 200, description = "How many contacts were added (those already in it stay)", body = AddedAnswer),
        (status = 400, response = MalformedJson),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 409, description = "Unknown contact ids (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Too many ids, or invalid body", body = ErrorBody),
    )
)]
async fn add_contacts(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContactIds>,
) -> ApiResult<ApiJson<AddedAnswer>> {
    body.within_limit()?;
    context.store.category(id).await?;
    refuse_unknown_contacts(&context.store, &body.contact_ids).await?;
    let entry = operator
        .origin
        .entry(AuditAction::CategoryAddContacts)
        .target(AuditTarget::Category, id);
    let added = context
        .store
        .add_to_category(id, &body.contact_ids, Some(&entry))
        .await?;
    Ok(ApiJson(AddedAnswer { added }))
}

#[utoipa::path(
    delete,
    path = "/api/v1/categories/{id}/contacts/{contact_id}",
    tag = "categories",
    operation_id = "remove_category_contact",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Category id"),
        ("contact_id" = i64, Path, description = "Contact id"),
    ),
    responses(
        (status = 400, response = MalformedId),
        (status = 204, description = "The contact is no longer in the category"),
        (status = 404, description = "The contact is not in the category", body = ErrorBody),
    )
)]
async fn remove_contact(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath((id, contact_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let entry = operator
        .origin
        .entry(AuditAction::CategoryRemoveContact)
        .target(AuditTarget::Category, id)
        .summary(serde_json::json!({ "contact_id": contact_id }));
    context
        .store
        .remove_from_category(id, contact_id, &entry)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
