//! The per-recipient report: `GET /campaigns/{id}/report.csv`, one line per contact of the
//! campaign with what happened to them, streamed a keyset page at a time so a 100,000-contact
//! campaign costs the API one page of memory (docs/PERFORMANCE.md, "The per-recipient report").

use crate::audit::Operator;
use crate::context::ApiContext;
use crate::error::{ApiPath, ApiResult, ErrorBody};
use crate::openapi::MalformedId;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use campaign_domain::{AuditAction, AuditTarget, Variant};
use campaign_store::campaigns::ReportLine;
use chrono::{DateTime, SecondsFormat, Utc};
use futures::{StreamExt, TryStreamExt, stream};

/// Contacts per page: bounded memory whatever the size of the campaign.
const REPORT_PAGE: i64 = 1_000;

/// The report's columns, in order.
const REPORT_HEADER: &[u8] = b"phone,first_name,last_name,variant,state,message_1_sent_at,\
message_1_delivered_at,message_1_read_at,first_interaction_at,first_interaction_type,\
message_2_sent_at,failure_kind,failure_reason,opted_out_at\n";

/// Streams the campaign's report as CSV. The first page is read before answering, so an unknown
/// campaign or a database failure is still a proper error response; a later failure can only cut
/// the download short (and is logged).
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/report.csv",
    tag = "campaigns",
    operation_id = "campaign_report",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "CSV, one line per contact: `phone,first_name,last_name,variant,state,message_1_sent_at,message_1_delivered_at,message_1_read_at,first_interaction_at,first_interaction_type,message_2_sent_at,failure_kind,failure_reason,opted_out_at` (times in RFC 3339, UTC)", body = String, content_type = "text/csv"),
        (status = 400, response = MalformedId),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub(super) async fn report(
    operator: Operator,
    State(context): State<ApiContext>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let first = context.store.report_page(id, 0, REPORT_PAGE).await?;
    // Who took a copy of the recipients is worth knowing, like a contact export.
    let entry = operator
        .origin
        .entry(AuditAction::CampaignReport)
        .target(AuditTarget::Campaign, id);
    context.store.record_audit(&entry).await?;
    let store = context.store.clone();
    let pages = stream::try_unfold(Some(first), move |page| {
        let store = store.clone();
        async move {
            let Some(page) = page else {
                return Ok(None);
            };
            let next = match page.last() {
                Some(last) if page.len() as i64 == REPORT_PAGE => Some(
                    store
                        .report_page(id, last.contact_id, REPORT_PAGE)
                        .await
                        .map_err(std::io::Error::other)?,
                ),
                _ => None,
            };
            let rows = csv_lines(&page).map_err(std::io::Error::other)?;
            Ok::<_, std::io::Error>(Some((rows, next)))
        }
    })
    .inspect_err(
        move |err| tracing::error!(campaign_id = id, error = %err, "campaign report cut short"),
    );
    let body = stream::once(async { Ok(Bytes::from_static(REPORT_HEADER)) }).chain(pages);
    let disposition = format!("attachment; filename=\"campaign-{id}-report.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// The lines of a page, in the order of [`REPORT_HEADER`].
fn csv_lines(lines: &[ReportLine]) -> Result<Bytes, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for line in lines {
        writer.write_record([
            line.phone.as_str(),
            line.first_name.as_deref().unwrap_or_default(),
            line.last_name.as_deref().unwrap_or_default(),
            line.variant.map_or("", Variant::as_str),
            line.state.as_str(),
            &time(line.message_1_sent_at),
            &time(line.message_1_delivered_at),
            &time(line.message_1_read_at),
            &time(line.first_interaction_at),
            line.first_interaction_type.map_or("", |kind| kind.as_str()),
            &time(line.message_2_sent_at),
            line.failure_kind.map_or("", |kind| kind.as_str()),
            line.failure_reason.as_deref().unwrap_or_default(),
            &time(line.opted_out_at),
        ])?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|err| err.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use campaign_domain::{FailureKind, InteractionType, JourneyState};

    #[test]
    fn a_line_has_every_column_of_the_header_and_quotes_what_needs_it() {
        let at = "2026-12-07T10:00:00Z".parse().ok();
        let line = ReportLine {
            contact_id: 7,
            phone: "+33612345678".to_owned(),
            first_name: Some("Anne, \"Nana\"".to_owned()),
            last_name: None,
            variant: Some(Variant::B),
            state: JourneyState::Failed,
            message_1_sent_at: at,
            message_1_delivered_at: None,
            message_1_read_at: None,
            first_interaction_at: at,
            first_interaction_type: Some(InteractionType::Voice),
            message_2_sent_at: None,
            failure_kind: Some(FailureKind::FrequencyCapped),
            failure_reason: Some("frequency cap reached".to_owned()),
            opted_out_at: None,
        };
        let bytes = csv_lines(&[line]).unwrap();
        let text = [REPORT_HEADER, bytes.as_ref()].concat();
        let mut reader = csv::Reader::from_reader(text.as_slice()).into_records();
        let record = reader.next().unwrap().unwrap();
        let header_columns = std::str::from_utf8(REPORT_HEADER)
            .unwrap()
            .trim()
            .split(',')
            .count();
        assert_eq!(record.len(), header_columns);
        assert_eq!(&record[1], "Anne, \"Nana\"");
        assert_eq!(&record[3], "B");
        assert_eq!(&record[5], "2026-12-07T10:00:00.000Z");
        assert_eq!(&record[9], "voice");
        assert_eq!(&record[11], "frequency_capped");
        assert!(reader.next().is_none());
    }
}
