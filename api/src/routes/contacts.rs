//! `/contacts`: CRUD with search and pagination, CSV import and export (the CSV itself in
//! [`csv_file`]), and WhatsApp number checks through the provider.

mod csv_file;

use crate::audit::{Operator, changed, id_list, short_text};
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::pagination::{Page, PageQuery, window};
use crate::request_schema::{ContactChangesBody, ContactsCsv, NewContactBody};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use campaign_domain::settings::{self, present};
use campaign_domain::{AuditAction, AuditTarget, PhoneNumber, json_integer};
use campaign_provider::WhatsAppProvider;
use campaign_store::Store;
use campaign_store::contacts::{ContactChanges, ContactFilter, NewContact, WhatsAppCheck};
use campaign_workflows::{VerifyNumbers, VerifyNumbersInput};
use chrono::{DateTime, Utc};
use csv_file::{EXPORT_HEADER, ImportReport, Importer, RecordSplitter, csv_rows};
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use temporalio_client::WorkflowStartOptions;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(import))
        .routes(routes!(export))
        .routes(routes!(verify_many))
        .routes(routes!(verification))
        .routes(routes!(show, update, remove))
        .routes(routes!(verify))
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

/// A bulk WhatsApp check accepted: the distinct contacts it will check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct BulkVerifyAnswer {
    accepted: u64,
    /// The workflow doing the checks, when they run in one.
    workflow_id: Option<String>,
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

/// How many contacts stand where with WhatsApp.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct VerificationCounts {
    total: i64,
    verified: i64,
    not_on_whatsapp: i64,
    unverified: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/contacts/verification",
    tag = "contacts",
    operation_id = "verification_counts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Contacts by WhatsApp check result", body = VerificationCounts),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
    )
)]
async fn verification(
    State(context): State<ApiContext>,
    _user: AuthUser,
) -> ApiResult<ApiJson<VerificationCounts>> {
    let counts = context.store.verification_counts().await?;
    Ok(ApiJson(VerificationCounts {
        total: counts.total,
        verified: counts.verified,
        not_on_whatsapp: counts.not_on_whatsapp,
        unverified: counts.unverified,
    }))
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
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
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
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
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
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 200, description = "The contact", body = Contact),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
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
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
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
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
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

/// Asks the provider whether `phone` has WhatsApp. Any failure means we could not find out, so
/// it is reported as the provider being unavailable rather than as an answer.
async fn number_exists(
    provider: &dyn WhatsAppProvider,
    contact_id: i64,
    phone: &str,
) -> ApiResult<bool> {
    refuse_without_number_check(provider)?;
    provider.number_exists(phone).await.map_err(|err| {
        tracing::warn!(
            contact_id,
            reason = err.reason(),
            "WhatsApp number check failed"
        );
        ApiError::Unavailable("WhatsApp provider")
    })
}

#[utoipa::path(
    post,
    path = "/api/v1/contacts/{id}/verify",
    tag = "contacts",
    operation_id = "verify_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 400, description = "Malformed id (not a 64-bit integer)", body = ErrorBody),
        (status = 200, description = "The contact with `whatsapp_verified` set by the provider's answer", body = Contact),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "The provider has no number check (Meta)", body = ErrorBody),
        (status = 503, description = "The WhatsApp provider could not be asked", body = ErrorBody),
    )
)]
async fn verify(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<Contact>> {
    let contact = context.store.contact(id).await?;
    let exists = number_exists(context.provider.as_ref(), id, &contact.phone).await?;
    let entry = operator
        .origin
        .entry(AuditAction::ContactVerify)
        .target(AuditTarget::Contact, id)
        .summary(serde_json::json!({ "whatsapp_verified": exists }));
    Ok(ApiJson(
        context
            .store
            .set_whatsapp_verified(id, exists, Some(&entry))
            .await?
            .into(),
    ))
}

/// A 409 when the provider has no number check (Meta's Cloud API): nothing fakes one.
fn refuse_without_number_check(provider: &dyn WhatsAppProvider) -> ApiResult<()> {
    if provider.supports_number_check() {
        return Ok(());
    }
    Err(ApiError::Conflict(
        "number verification is not available on this provider (Meta's Cloud API has no number check)"
            .to_owned(),
    ))
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

/// Accepts the contacts for checking and answers at once; the `VerifyNumbers` workflow does the
/// checks in batches, durably: an API or worker restart does not lose them, and a provider
/// outage delays them rather than dropping them.
#[utoipa::path(
    post,
    path = "/api/v1/contacts/verify",
    tag = "contacts",
    operation_id = "verify_contacts",
    security(("bearer" = [])),
    request_body = ContactIds,
    responses(
        (status = 202, description = "Accepted: the checks run in the background", body = BulkVerifyAnswer),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 409, description = "Unknown contact ids (`unknown_reference`), or the provider has no number check (Meta)", body = ErrorBody),
        (status = 422, description = "Too many ids, or invalid body", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn verify_many(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiJson(body): ApiJson<ContactIds>,
) -> ApiResult<(StatusCode, ApiJson<BulkVerifyAnswer>)> {
    body.within_limit()?;
    refuse_without_number_check(context.provider.as_ref())?;
    refuse_unknown_contacts(&context.store, &body.contact_ids).await?;
    let mut contact_ids = body.contact_ids;
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let accepted = contact_ids.len() as u64;
    let workflow_id = format!("verify-numbers-{}", uuid::Uuid::new_v4().simple());
    context
        .temporal
        .start_workflow(
            VerifyNumbers::run,
            VerifyNumbersInput { contact_ids },
            WorkflowStartOptions::new(
                context.config.temporal.task_queue.clone(),
                workflow_id.clone(),
            )
            .build(),
        )
        .await
        .map_err(|err| {
            tracing::warn!(%err, "could not start the bulk WhatsApp check");
            ApiError::Unavailable("Temporal")
        })?;
    // The workflow owns the checks from here; its start is what the operator did.
    let entry = operator
        .origin
        .entry(AuditAction::ContactsVerify)
        .summary(serde_json::json!({ "accepted": accepted, "workflow_id": workflow_id }));
    context.store.record_audit(&entry).await?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(BulkVerifyAnswer {
            accepted,
            workflow_id: Some(workflow_id),
        }),
    ))
}

/// Contacts per page of an export: bounded memory whatever the size of the table.
const EXPORT_PAGE: i64 = 1_000;

/// Streams the contacts as CSV, a keyset page at a time. The first page is read before
/// answering so a database failure is still a proper error response; a later one can only cut
/// the download short.
#[utoipa::path(
    get,
    path = "/api/v1/contacts/export",
    tag = "contacts",
    operation_id = "export_contacts",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "CSV: `phone,first_name,last_name,whatsapp_verified,time_zone`", body = String, content_type = "text/csv"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 422, description = "Invalid query", body = ErrorBody),
    )
)]
async fn export(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let filter = query.filter();
    let first = context
        .store
        .contacts_after(&filter, 0, EXPORT_PAGE)
        .await?;
    // An export changes nothing, but who took a copy of the contacts is worth knowing.
    let entry = operator
        .origin
        .entry(AuditAction::ContactsExport)
        .summary(serde_json::json!({
            "search": filter.search.as_deref().map(short_text),
            "category_id": filter.category_id,
        }));
    context.store.record_audit(&entry).await?;
    let store = context.store.clone();
    let pages = stream::try_unfold(Some(first), move |page| {
        let (store, filter) = (store.clone(), filter.clone());
        async move {
            let Some(page) = page else {
                return Ok(None);
            };
            let next = match page.last() {
                Some(last) if page.len() as i64 == EXPORT_PAGE => Some(
                    store
                        .contacts_after(&filter, last.id, EXPORT_PAGE)
                        .await
                        .map_err(std::io::Error::other)?,
                ),
                _ => None,
            };
            let rows = csv_rows(&page).map_err(std::io::Error::other)?;
            Ok::<_, std::io::Error>(Some((rows, next)))
        }
    })
    .inspect_err(|err| tracing::error!(error = %err, "contact export cut short"));
    let body = stream::once(async { Ok(Bytes::from_static(EXPORT_HEADER)) }).chain(pages);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"contacts.csv\"",
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// A category to put every imported contact in.
    category_id: Option<i64>,
}

/// Imports a CSV file as it streams in, a batch of rows per INSERT. Duplicate phones (already
/// known or repeated in the file) are skipped; invalid rows fail with their line number.
///
/// The size limit is `max_import_bytes`, not the general body limit: a declared
/// `Content-Length` is checked up front, and a streamed body is counted as it arrives, in which
/// case the batches inserted before the limit was crossed stay imported.
#[utoipa::path(
    post,
    path = "/api/v1/contacts/import",
    tag = "contacts",
    operation_id = "import_contacts",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = ContactsCsv, content_type = "text/csv"),
    responses(
        (status = 200, description = "What the import did; invalid rows are reported by line", body = ImportReport),
        (status = 400, description = "Unreadable CSV", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 413, description = "The file exceeds the import size limit", body = ErrorBody),
        (status = 422, description = "Missing header or phone column", body = ErrorBody),
    )
)]
async fn import(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<ApiJson<ImportReport>> {
    let limit = context.config.max_import_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    if let Some(category_id) = query.category_id {
        context.store.category(category_id).await?;
    }
    let mut importer = Importer::new(&context.store, query.category_id, operator.origin);
    let read = read_import(&mut importer, body, limit).await;
    if let Err(error) = read {
        importer.interrupted(&error).await?;
        return Err(error);
    }
    Ok(ApiJson(importer.finish().await?))
}

/// Feeds the body to `importer` as it arrives, up to `limit` bytes.
async fn read_import(importer: &mut Importer<'_>, body: Body, limit: usize) -> ApiResult<()> {
    let mut splitter = RecordSplitter::new();
    let mut received = 0_usize;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk
            .map_err(|err| ApiError::BadRequest(format!("reading the request body: {err}")))?;
        received += chunk.len();
        if received > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        let run = splitter.push(&chunk);
        if !run.is_empty() {
            importer.feed(&run).await?;
        }
    }
    importer.feed(&splitter.finish()).await
}
