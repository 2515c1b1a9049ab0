//! `/categories`: named groups of contacts that campaigns target, and their membership.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::routes::contacts::{Page, Paging, refuse_unknown_contacts, search_term};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use campaign_activities::StoreError;
use campaign_activities::store::contacts::Category;
use serde::Deserialize;

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/categories", get(list).post(create))
        .route("/categories/{id}", get(show).put(update).delete(remove))
        .route("/categories/{id}/contacts", post(add_contacts))
        .route(
            "/categories/{id}/contacts/{contact_id}",
            delete(remove_contact),
        )
}

const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Deserialize)]
struct ListQuery {
    search: Option<String>,
    page: Option<i64>,
    size: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCategory {
    name: String,
    color: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryUpdate {
    name: Option<String>,
    color: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactIds {
    contact_ids: Vec<i64>,
}

fn valid_name(name: &str) -> ApiResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::Validation(format!(
            "name must be 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name)
}

async fn list(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<Category>>> {
    let paging = Paging::new(query.page, query.size)?;
    let search = search_term(query.search);
    let (categories, total) = context
        .store
        .list_categories(search.as_deref(), paging.window())
        .await?;
    Ok(ApiJson(paging.answer(categories, total)))
}

async fn create(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiJson(new): ApiJson<NewCategory>,
) -> ApiResult<(StatusCode, ApiJson<Category>)> {
    let category = context
        .store
        .add_category(valid_name(&new.name)?, new.color.as_deref())
        .await?;
    Ok((StatusCode::CREATED, ApiJson(category)))
}

async fn show(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<Category>> {
    Ok(ApiJson(context.store.category(id).await?))
}

async fn update(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(update): ApiJson<CategoryUpdate>,
) -> ApiResult<ApiJson<Category>> {
    let name = update.name.as_deref().map(valid_name).transpose()?;
    let category = context
        .store
        .update_category(id, name, update.color.as_deref())
        .await?;
    Ok(ApiJson(category))
}

/// Deletes the category and its memberships, but not one a campaign targets: the campaign's
/// audience would silently change.
async fn remove(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    context
        .store
        .delete_category(id)
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
async fn add_contacts(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContactIds>,
) -> ApiResult<ApiJson<serde_json::Value>> {
    context.store.category(id).await?;
    refuse_unknown_contacts(&context.store, &body.contact_ids).await?;
    let added = context.store.add_to_category(id, &body.contact_ids).await?;
    Ok(ApiJson(serde_json::json!({ "added": added })))
}

async fn remove_contact(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath((id, contact_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    context.store.remove_from_category(id, contact_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
