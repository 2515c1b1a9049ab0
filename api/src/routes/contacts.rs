//! `/contacts`: CRUD with search and pagination, CSV import and export, and WhatsApp number
//! checks through the provider. Also the pagination shared by the list routes of this module and
//! of `/categories`.

use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::openapi::{BulkVerifyAnswer, ErrorBody};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use campaign_domain::PhoneNumber;
use campaign_provider::{WassengerClient, WhatsAppProvider};
use campaign_store::Store;
use campaign_store::contacts::{Contact, ContactChanges, ContactFilter, NewContact, Window};
use campaign_workflows::{VerifyNumbers, VerifyNumbersInput};
use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use temporalio_client::WorkflowStartOptions;

pub fn routes() -> Router<ApiContext> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/import", post(import))
        .route("/contacts/export", get(export))
        .route("/contacts/verify", post(verify_many))
        .route("/contacts/{id}", get(show).put(update).delete(remove))
        .route("/contacts/{id}/verify", post(verify))
}

const DEFAULT_PAGE_SIZE: i64 = 20;
const MAX_PAGE_SIZE: i64 = 100;

/// A validated `page` (1-based) and `size`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    page: i64,
    size: i64,
}

impl Paging {
    pub(crate) fn new(page: Option<i64>, size: Option<i64>) -> ApiResult<Paging> {
        let page = page.unwrap_or(1);
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page < 1 {
            return Err(ApiError::Validation("page must be 1 or more".to_owned()));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(ApiError::Validation(format!(
                "size must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        Ok(Paging { page, size })
    }

    pub(crate) fn window(self) -> Window {
        Window {
            offset: (self.page - 1).saturating_mul(self.size),
            limit: self.size,
        }
    }

    pub(crate) fn answer<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            size: self.size,
        }
    }
}

/// One page of a list: `{items, total, page, size}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Page<T> {
    items: Vec<T>,
    total: i64,
    page: i64,
    size: i64,
}

/// A search term, trimmed; blank means no search.
pub(crate) fn search_term(search: Option<String>) -> Option<String> {
    search
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A name as stored: trimmed, blank meaning none.
fn name(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Text in the name (case-insensitive) or a fragment of the phone number.
    search: Option<String>,
    /// Only contacts in this category.
    category_id: Option<i64>,
    /// Page number, from 1 (default 1).
    page: Option<i64>,
    /// Items per page, 1 to 100 (default 20).
    size: Option<i64>,
}

/// A contact's fields as a client writes them: the phone either in E.164 (`phone`) or as
/// `country_code` + `phone_number`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    phone: Option<String>,
    country_code: Option<String>,
    phone_number: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ContactIds {
    contact_ids: Vec<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/contacts",
    tag = "contacts",
    operation_id = "list_contacts",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of contacts", body = Page<Contact>),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 422, description = "Invalid page, size or query", body = ErrorBody),
    )
)]
async fn list(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<ApiJson<Page<Contact>>> {
    let paging = Paging::new(query.page, query.size)?;
    let filter = ContactFilter {
        search: search_term(query.search),
        category_id: query.category_id,
    };
    let (contacts, total) = context
        .store
        .list_contacts(&filter, paging.window())
        .await?;
    Ok(ApiJson(paging.answer(contacts, total)))
}

#[utoipa::path(
    post,
    path = "/api/v1/contacts",
    tag = "contacts",
    operation_id = "create_contact",
    security(("bearer" = [])),
    request_body = ContactBody,
    responses(
        (status = 201, description = "The contact created", body = Contact),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 409, description = "A contact with this phone number already exists", body = ErrorBody),
        (status = 422, description = "Missing or invalid phone, unknown category or invalid body", body = ErrorBody),
    )
)]
async fn create(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiJson(body): ApiJson<ContactBody>,
) -> ApiResult<(StatusCode, ApiJson<Contact>)> {
    let phone = body
        .phone()?
        .ok_or_else(|| ApiError::Validation("phone is required".to_owned()))?;
    let contact = NewContact {
        phone,
        first_name: name(body.first_name),
        last_name: name(body.last_name),
    };
    let category_ids = body.category_ids.unwrap_or_default();
    let contact = context.store.add_contact(&contact, &category_ids).await?;
    Ok((StatusCode::CREATED, ApiJson(contact)))
}

#[utoipa::path(
    get,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "get_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
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
    Ok(ApiJson(context.store.contact(id).await?))
}

/// Changes the fields given and leaves the others; `category_ids` replaces the memberships.
#[utoipa::path(
    put,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "update_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    request_body = ContactBody,
    responses(
        (status = 200, description = "The contact as changed (`category_ids` replaces the memberships)", body = Contact),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "A contact with this phone number already exists", body = ErrorBody),
        (status = 422, description = "Invalid phone, unknown category or invalid body", body = ErrorBody),
    )
)]
async fn update(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ContactBody>,
) -> ApiResult<ApiJson<Contact>> {
    let changes = ContactChanges {
        phone: body.phone()?,
        first_name: name(body.first_name),
        last_name: name(body.last_name),
        category_ids: body.category_ids,
    };
    Ok(ApiJson(context.store.update_contact(id, changes).await?))
}

#[utoipa::path(
    delete,
    path = "/api/v1/contacts/{id}",
    tag = "contacts",
    operation_id = "delete_contact",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 409, description = "The contact is in a running campaign", body = ErrorBody),
    )
)]
async fn remove(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    context.store.delete_contact(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks the provider whether `phone` has WhatsApp. Any failure means we could not find out, so
/// it is reported as the provider being unavailable rather than as an answer.
async fn number_exists(
    provider: &WassengerClient,
    contact_id: i64,
    phone: &str,
) -> ApiResult<bool> {
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
        (status = 200, description = "The contact with `whatsapp_verified` set by the provider's answer", body = Contact),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such contact", body = ErrorBody),
        (status = 503, description = "The WhatsApp provider could not be asked", body = ErrorBody),
    )
)]
async fn verify(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<Contact>> {
    let contact = context.store.contact(id).await?;
    let exists = number_exists(&context.provider, id, &contact.phone).await?;
    Ok(ApiJson(
        context.store.set_whatsapp_verified(id, exists).await?,
    ))
}

/// The ids of a request that name no contact, as a 422.
pub(crate) async fn refuse_unknown_contacts(store: &Store, ids: &[i64]) -> ApiResult<()> {
    let unknown = store.unknown_contacts(ids).await?;
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::Validation(format!(
        "unknown contact ids: {unknown:?}"
    )))
}

/// Contacts one bulk check may name: keeps the workflow's input small.
const MAX_BULK_VERIFY: usize = 10_000;

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
        (status = 422, description = "Unknown contact ids, too many, or invalid body", body = ErrorBody),
        (status = 503, description = "Temporal is unavailable", body = ErrorBody),
    )
)]
async fn verify_many(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiJson(body): ApiJson<ContactIds>,
) -> ApiResult<(StatusCode, ApiJson<serde_json::Value>)> {
    if body.contact_ids.len() > MAX_BULK_VERIFY {
        return Err(ApiError::Validation(format!(
            "at most {MAX_BULK_VERIFY} contacts per request"
        )));
    }
    refuse_unknown_contacts(&context.store, &body.contact_ids).await?;
    let mut contact_ids = body.contact_ids;
    contact_ids.sort_unstable();
    contact_ids.dedup();
    let accepted = contact_ids.len();
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
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(serde_json::json!({ "accepted": accepted, "workflow_id": workflow_id })),
    ))
}

/// Contacts per page of an export: bounded memory whatever the size of the table.
const EXPORT_PAGE: i64 = 1_000;
const EXPORT_HEADER: &[u8] = b"phone,first_name,last_name,whatsapp_verified\n";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// Text in the name (case-insensitive) or a fragment of the phone number.
    search: Option<String>,
    /// Only contacts in this category.
    category_id: Option<i64>,
}

fn csv_rows(contacts: &[Contact]) -> Result<Bytes, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for contact in contacts {
        let verified = match contact.whatsapp_verified {
            Some(true) => "true",
            Some(false) => "false",
            None => "",
        };
        writer.write_record([
            contact.phone.as_str(),
            contact.first_name.as_deref().unwrap_or_default(),
            contact.last_name.as_deref().unwrap_or_default(),
            verified,
        ])?;
    }
    let rows = writer.into_inner().map_err(|err| err.into_error())?;
    Ok(Bytes::from(rows))
}

/// Streams the contacts as CSV, a keyset page at a time. The first page is read before
/// answering so a database failure is still a proper error response; a later one can only cut
/// the download short.
#[utoipa::path(
    get,
    path = "/api/v1/contacts/export",
    tag = "contacts",
    operation_id = "export_contacts",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "CSV: `phone,first_name,last_name,whatsapp_verified`", body = String, content_type = "text/csv"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 422, description = "Invalid query", body = ErrorBody),
    )
)]
async fn export(
    _: AuthUser,
    State(context): State<ApiContext>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let filter = ContactFilter {
        search: search_term(query.search),
        category_id: query.category_id,
    };
    let first = context
        .store
        .contacts_after(&filter, 0, EXPORT_PAGE)
        .await?;
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

/// Rows per multi-row INSERT: 100,000 rows take 200 statements.
const IMPORT_BATCH: usize = 500;
/// Bad lines reported one by one; beyond this only `failed` counts them, so a wrong file does not
/// get an answer as large as itself.
const MAX_REPORTED_ERRORS: usize = 1_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// A category to put every imported contact in.
    category_id: Option<i64>,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
struct ImportReport {
    total: u64,
    created: u64,
    skipped: u64,
    failed: u64,
    errors: Vec<LineError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LineError {
    line: u64,
    reason: String,
}

/// Where a record boundary scan stands. Mirrors how the `csv` crate reads quotes: only a quote
/// opening a field starts a quoted field, and inside one `""` is a literal quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote seen inside a quoted field: it closes the field unless another quote follows.
    QuotedQuote,
}

/// Cuts a CSV byte stream into runs of whole records, so each run can be parsed as it arrives:
/// the body is never held in memory beyond the record in progress.
#[derive(Debug)]
struct RecordSplitter {
    pending: Vec<u8>,
    scanned: usize,
    state: Scan,
}

impl RecordSplitter {
    fn new() -> RecordSplitter {
        RecordSplitter {
            pending: Vec::new(),
            scanned: 0,
            state: Scan::FieldStart,
        }
    }

    /// Adds `chunk` and returns the whole records now available (possibly none).
    fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let mut boundary = None;
        for (index, &byte) in self.pending.iter().enumerate().skip(self.scanned) {
            self.state = match (self.state, byte) {
                (Scan::Quoted, b'"') => Scan::QuotedQuote,
                (Scan::Quoted, _) => Scan::Quoted,
                (Scan::FieldStart | Scan::QuotedQuote, b'"') => Scan::Quoted,
                (_, b',') => Scan::FieldStart,
                (_, b'\n') => {
                    boundary = Some(index + 1);
                    Scan::FieldStart
                }
                _ => Scan::Unquoted,
            };
        }
        self.scanned = self.pending.len();
        match boundary {
            Some(end) => {
                let rest = self.pending.split_off(end);
                self.scanned -= end;
                std::mem::replace(&mut self.pending, rest)
            }
            None => Vec::new(),
        }
    }

    /// What is left once the stream ends: the last record when it has no final newline.
    fn finish(self) -> Vec<u8> {
        self.pending
    }
}

/// Where the columns of the import file are.
#[derive(Debug)]
struct Columns {
    phone: PhoneColumns,
    first_name: Option<usize>,
    last_name: Option<usize>,
}

#[derive(Debug)]
enum PhoneColumns {
    E164(usize),
    Parts { country_code: usize, number: usize },
}

impl Columns {
    fn from_header(header: &csv::ByteRecord) -> ApiResult<Columns> {
        let names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_lowercase())
            .collect();
        let position = |wanted: &str| names.iter().position(|name| name == wanted);
        let phone = match (
            position("phone"),
            position("country_code"),
            position("phone_number"),
        ) {
            (Some(phone), _, _) => PhoneColumns::E164(phone),
            (None, Some(country_code), Some(number)) => PhoneColumns::Parts {
                country_code,
                number,
            },
            _ => {
                return Err(ApiError::Validation(
                    "the CSV header must name a phone column, or country_code and phone_number"
                        .to_owned(),
                ));
            }
        };
        Ok(Columns {
            phone,
            first_name: position("first_name"),
            last_name: position("last_name"),
        })
    }

    /// The contact of one data record, or why it cannot be imported.
    fn contact(&self, record: &csv::ByteRecord) -> Result<NewContact, String> {
        let field = |index: usize| {
            std::str::from_utf8(record.get(index).unwrap_or_default())
                .map_err(|_| "not valid UTF-8".to_owned())
        };
        let phone = match self.phone {
            PhoneColumns::E164(index) => PhoneNumber::parse(field(index)?),
            PhoneColumns::Parts {
                country_code,
                number,
            } => PhoneNumber::from_parts(field(country_code)?, field(number)?),
        }
        .map_err(|err| err.to_string())?;
        let name = |column: Option<usize>| {
            column
                .map(field)
                .transpose()
                .map(|value| name(value.map(str::to_owned)))
        };
        Ok(NewContact {
            phone,
            first_name: name(self.first_name)?,
            last_name: name(self.last_name)?,
        })
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&byte| byte == b'\n').count() as u64
}

/// An import in progress: parses runs of whole records and inserts them a batch at a time.
struct Importer<'a> {
    store: &'a Store,
    category_id: Option<i64>,
    columns: Option<Columns>,
    /// Lines of the file before the current run, to number records from 1 at the header.
    lines_before: u64,
    batch: Vec<NewContact>,
    report: ImportReport,
}

impl Importer<'_> {
    async fn feed(&mut self, run: &[u8]) -> ApiResult<()> {
        // A byte order mark can only open the file, which is when no line has been read yet.
        let run = match self.lines_before {
            0 => run.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(run),
            _ => run,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(run);
        let mut record = csv::ByteRecord::new();
        let (mut line, mut counted) = (self.lines_before + 1, 0);
        while reader
            .read_byte_record(&mut record)
            .map_err(|err| ApiError::BadRequest(format!("unreadable CSV: {err}")))?
        {
            // The reader's position is where the previous record ended, before the rest of its
            // line terminator and any blank lines: skip those to find the record's first line.
            let after_previous = record.position().map_or(0, |p| p.byte() as usize);
            let start = after_previous
                + run[after_previous..]
                    .iter()
                    .take_while(|&&byte| matches!(byte, b'\r' | b'\n'))
                    .count();
            line += newlines(&run[counted..start]);
            counted = start;
            match &self.columns {
                None => self.columns = Some(Columns::from_header(&record)?),
                Some(columns) => {
                    self.report.total += 1;
                    match columns.contact(&record) {
                        Ok(contact) => self.batch.push(contact),
                        Err(reason) => self.fail(line, reason),
                    }
                }
            }
        }
        self.lines_before += newlines(run);
        while self.batch.len() >= IMPORT_BATCH {
            let batch: Vec<NewContact> = self.batch.drain(..IMPORT_BATCH).collect();
            self.insert(&batch).await?;
        }
        Ok(())
    }

    fn fail(&mut self, line: u64, reason: String) {
        self.report.failed += 1;
        if self.report.errors.len() < MAX_REPORTED_ERRORS {
            self.report.errors.push(LineError { line, reason });
        }
    }

    async fn insert(&mut self, batch: &[NewContact]) -> ApiResult<()> {
        let created = self.store.import_contacts(batch, self.category_id).await?;
        self.report.created += created;
        self.report.skipped += batch.len() as u64 - created;
        Ok(())
    }

    async fn finish(mut self) -> ApiResult<ImportReport> {
        if self.columns.is_none() {
            return Err(ApiError::Validation(
                "the CSV file is empty: it needs a header row".to_owned(),
            ));
        }
        let batch = std::mem::take(&mut self.batch);
        if !batch.is_empty() {
            self.insert(&batch).await?;
        }
        Ok(self.report)
    }
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
    request_body(
        content = String,
        content_type = "text/csv",
        description = "CSV with a header naming `phone` (E.164), or `country_code` and `phone_number`; optional `first_name`, `last_name`",
    ),
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
    _: AuthUser,
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
    let mut importer = Importer {
        store: &context.store,
        category_id: query.category_id,
        columns: None,
        lines_before: 0,
        batch: Vec::new(),
        report: ImportReport::default(),
    };
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
    importer.feed(&splitter.finish()).await?;
    Ok(ApiJson(importer.finish().await?))
}
