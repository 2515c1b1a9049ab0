//! CSV import and export of contacts, both streamed: the import a batch of rows per INSERT as
//! the body arrives, the export a keyset page at a time. The CSV format is in [`super::csv_file`].

use super::ListQuery;
use super::csv_file::{EXPORT_HEADER, ImportReport, Importer, RecordSplitter, csv_rows};
use crate::audit::{Operator, short_text};
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::request_schema::ContactsCsv;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use campaign_domain::AuditAction;
use futures::{StreamExt, TryStreamExt, stream};
use serde::Deserialize;

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
        (status = 422, description = "Invalid query", body = ErrorBody),
    )
)]
pub(super) async fn export(
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
pub(super) struct ImportQuery {
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
        (status = 404, description = "No such category", body = ErrorBody),
        (status = 413, description = "The file exceeds the import size limit", body = ErrorBody),
        (status = 422, description = "Missing header or phone column", body = ErrorBody),
    )
)]
pub(super) async fn import(
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
