//! `/contacts`: CRUD with search and pagination, CSV import and export ([`transfer`], the CSV
//! itself in [`csv_file`]), and WhatsApp number checks through the provider ([`verification`]).

mod csv_file;
mod transfer;
mod verification;

use crate::audit::{Operator, changed, id_list};
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::openapi::{MalformedId, MalformedJson};
use crate::pagination::{Page, PageQuery, window};
use crate::request_schema::{ContactChangesBody, NewContactBody};
use axum::extract::State;
use axum::http::StatusCode;
use campaign_domain::settings::{self, present};
use campaign_domain::{AuditAction, AuditTarget};
use campaign_domain::{PhoneNumber, json_integer};
use campaign_store::Store;
use campaign_store::contacts::{ContactChanges, ContactFilter, NewContact, WhatsAppCheck};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(transfer::import))
        .routes(routes!(transfer::export))
        .routes(routes!(verification::verify_many))
        .routes(routes!(verification::verification))
        .routes(routes!(show, update, remove))
        .routes(routes!(verification::verify))
}

/// A contact as the API shows it, with the categories it belongs to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Contact {
    id: i64,
    phone: String,
    first_name: Option<String>,
    last_name: Option<String>,
    /// `None` until the number has been checked with the provider.
    whatsapp_verified: Option<bool>,
    whatsapp_verified_at: Option<DateTime<Utc>>,
    /// When the contact opted out by writing an opt-out keyword (R19); `null` while they accept
    /// messages. Only the contact changes it (by writing `START`): no request field writes it.
    opted_out_at: Option<DateTime<Utc>>,
    /// The contact's IANA time zone (R21), in which quiet hours apply; `null` takes the
    /// campaign's.
    #[schema(example = "Europe/Paris")]
    time_zone: Option<String>,
    category_ids: Vec<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<campaign_store::contacts::Contact> for Contact {
    fn from(contact: campaign_store::contacts::Contact) -> Contact {
        Contact {
            id: contact.id,
            phone: contact.phone,
            first_name: contact.first_name,
            last_name: contact.last_name,
            whatsapp_verified: contact.whatsapp_verified,
            whatsapp_verified_at: contact.whatsapp_verified_at,
            opted_out_at: contact.opted_out_at,
            time_zone: contact.time_zone,
            category_ids: contact.category_ids,
            created_at: contact.created_at,
            updated_at: contact.updated_at,
        }
    }
}

/// A client's text trimmed, blank meaning none: how search terms and names are taken.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A contact's time zone as a client gives it: blank is none, anything else must be an IANA
/// zone name (as the time-zone database spells it).
pub(crate) fn time_zone(value: Option<String>) -> Result<Option<String>, String> {
    non_blank(value)
        .map(|name| {
            settings::time_zone(&name)
                .map(|zone| zone.name().to_owned())
                .map_err(|err| err.to_string())
        })
        .transpose()
}

// Which contacts a list or an export covers.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Text in the name (case-insensitive) or a fragment of the phone number.
    #[param(pattern = r"^[^\u0000]*$")]
    search: Option<String>,
    /// Only contacts in this category.
    category_id: Option<i64>,
    /// Only contacts whose last WhatsApp check found this.
    #[param(inline)]
    whatsapp: Option<WhatsAppFilter>,
    /// Only contacts who opted out (`opted_out`) or who accept messages (`subscribed`).
    #[param(inline)]
    consent: Option<ConsentFilter>,
}

/// Where a contact stands on consent (R19).
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum ConsentFilter {
    OptedOut,
    Subscribed,
}

/// Where a contact stands with WhatsApp: checked and on it, checked and not on it, never checked.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum WhatsAppFilter {
    Verified,
    NotOnWhatsapp,
    Unverified,
}

impl ListQuery {
    fn filter(self) -> ContactFilter {
        ContactFilter {
            search: non_blank(self.search),
            category_id: self.category_id,
            whatsapp: self.whatsapp.map(|check| match check {
                WhatsAppFilter::Verified => WhatsAppCheck::Verified,
                WhatsAppFilter::NotOnWhatsapp => WhatsAppCheck::NotOnWhatsApp,
                WhatsAppFilter::Unverified => WhatsAppCheck::Unverified,
            }),
            opted_out: self
                .consent
                .map(|consent| matches!(consent, ConsentFilter::OptedOut)),
        }
    }
}

/// A contact's fields as a client writes them: the phone either in E.164 (`phone`) or as
/// `country_code` + `phone_number`. Documented by `request_schema::NewContactBody` and
/// `ContactChangesBody`, which state those two forms.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    phone: Option<String>,
    country_code: Option<String>,
    phone_number: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// `null` clears the contact's own zone.
    #[serde(default, deserialize_with = "present")]
    time_zone: Option<Option<String>>,
    #[serde(default, deserialize_with = "json_integer::option_vec")]
    category_ids: Option<Vec<i64>>,
}

impl ContactBody {
    /// The phone number given, in whichever form; `None` when none is.
    fn phone(&self) -> ApiResult<Option<PhoneNumber>> {
        let parsed = match (&self.phone, &self.country_code, &self.phone_number) {
            (None, None, None) => return Ok(None),
            (Some(phone), None, None) => PhoneNumber::parse(phone),
            (None, Some(code), Some(number)) => PhoneNumber::from_parts(code, number),
            _ => {
                return Err(ApiError::Validation(
                    "give either phone or both country_code and phone_number".to_owned(),
                ));
            }
        };
        parsed
            .map(Some)
            .map_err(|err| ApiError::Validation(err.to_string()))
    }
}

// Contacts a request names: a bulk check, or additions to a category. (A `//` comment: a doc
// comment would become the schema's description in the OpenAPI document.)
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactIds {
    #[serde(deserialize_with = "json_integer::vec")]
    #[schema(max_items = 10000)]
    pub(crate) contact_ids: Vec<i64>,
}

/// Contacts one request may name: keeps a bulk check's workflow input small.
const MAX_CONTACT_IDS: usize = 10_000;

impl ContactIds {
    pub(crate) fn within_limit(&self) -> ApiResult<()> {
        if self.contact_ids.len() > MAX_CONTACT_IDS {
            return Err(ApiError::Validation(format!(
                "at most {MAX_CONTACT_IDS} contacts per request"
            )));
        }
        Ok(())
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/contacts",
    tag = "contacts",
    operation_id = "list_contacts",
    security(("bearer" = [])),
    params(PageQuery, ListQuery),
    responses(
        (status = 200, description = "A page of contacts", body = Page<Contact>),
        (status = 422, description = "Invalid page, size or query", body = ErrorBody),
    )
)]
async fn list(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<Contact>>> {
    let page = page.request()?;
    let (contacts, total) = context
        .store
        .list_contacts(&query.filter(), window(page))
        .await?;
    Ok(ApiJson(Page::new(page, contacts, total)))
}

#[utoipa::path(
    post,
    path = "/api/v1/contacts",
    tag = "contacts",
    operation_id = "create_contact",
    security(("bearer" = [])),
    request_body = NewContactBody,
    responses(
        (status = 201, description = "The contact created", body = Contact),
        (status = 400, response = MalformedJson),
        (status = 409, description = "A contact with this phone number already exists, or unknown category ids (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Missing or invalid phone, or invalid body", body = ErrorBody),
    )
)]
async fn create(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiJson(body): ApiJson<ContactBody>,
) -> ApiResult<(StatusCode, ApiJson<Contact>)> {
    let phone = body
        .phone()?
        .ok_or_else(|| ApiError::Validation("phone is required".to_owned()))?;
    let contact = NewContact {
        phone,
        first_name: non_blank(body.first_name),
        last_name: non_blank(body.last_name),
        time_zone: time_zone(body.time_zone.flatten()).map_err(ApiError::Validation)?,
    };
    let category_ids = body.category_ids.unwrap_or_default();
    let entry = operator
        .origin
        .entry(AuditAction::ContactCreate)
        .summary(serde_json::json!({
            "phone": contact.phone.as_str(),
            "category_ids": id_list(&category_ids),
        }));
    let contact = context
        .store
        .add_contact(&contact, &category_ids, &entry)
        .await?;
    Ok((StatusCode::CREATED, ApiJson(contact.into())))
}

#[utoipa::path(
    get,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "get_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 200, description = "The contact", body = Contact),
        (status = 404, description = "No such contact", body = ErrorBody),
    )
)]
async fn show(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<Contact>> {
    Ok(ApiJson(context.store.contact(id).await?.into()))
}

/// Changes the fields given and leaves the others; `category_ids` replaces the memberships.
#[utoipa::path(
    put,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "update_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    request_body = ContactChangesBody,
    responses(
        (status = 200, description = "The contact as changed (`category_ids` replaces the memberships)", body = Contact),
        (status = 400, response = MalformedJson),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "A contact with this phone number already exists, or unknown category ids (`unknown_reference`)", body = ErrorBody),
        (status = 422, description = "Invalid phone or invalid body", body = ErrorBody),
    )
)]
async fn update(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContactBody>,
) -> ApiResult<ApiJson<Contact>> {
    let changes = ContactChanges {
        phone: body.phone()?,
        first_name: non_blank(body.first_name),
        last_name: non_blank(body.last_name),
        time_zone: body
            .time_zone
            .map(time_zone)
            .transpose()
            .map_err(ApiError::Validation)?,
        category_ids: body.category_ids,
    };
    let mut summary = changed(&[
        ("phone", changes.phone.is_some()),
        ("first_name", changes.first_name.is_some()),
        ("last_name", changes.last_name.is_some()),
        ("time_zone", changes.time_zone.is_some()),
        ("category_ids", changes.category_ids.is_some()),
    ]);
    summary["category_ids"] = serde_json::json!(changes.category_ids.as_deref().map(id_list));
    let entry = operator
        .origin
        .entry(AuditAction::ContactUpdate)
        .target(AuditTarget::Contact, id)
        .summary(summary);
    Ok(ApiJson(
        context
            .store
            .update_contact(id, changes, &entry)
            .await?
            .into(),
    ))
}

#[utoipa::path(
    delete,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "delete_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 400, response = MalformedId),
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "The contact is in a running campaign", body = ErrorBody),
    )
)]
async fn remove(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let entry = operator
        .origin
        .entry(AuditAction::ContactDelete)
        .target(AuditTarget::Contact, id);
    context.store.delete_contact(id, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ids of a request that name no contact, as a 409 `unknown_reference`.
pub(crate) async fn refuse_unknown_contacts(store: &Store, ids: &[i64]) -> ApiResult<()> {
    let unknown = store.unknown_contacts(ids).await?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::UnknownReference(format!(
        "unknown contact ids: {unknown:?}"
    )))
}
