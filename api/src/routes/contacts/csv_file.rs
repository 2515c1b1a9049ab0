//! The CSV side of `/contacts`: the export's rows, and the import's parser, which reads the
//! body as it streams in (a record at a time, never the whole file) and inserts it in batches.

use super::{non_blank, time_zone};
use crate::audit::short_text;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use campaign_domain::{AuditAction, PhoneNumber};
use campaign_store::contacts::{Contact, NewContact};
use campaign_store::{AuditEntry, Origin, Store};
use serde::Serialize;

/// The first line of an export.
pub const EXPORT_HEADER: &[u8] = b"phone,first_name,last_name,whatsapp_verified,time_zone\n";

/// Export rows, in the order of [`EXPORT_HEADER`].
pub fn csv_rows(contacts: &[Contact]) -> Result<Bytes, csv::Error> {
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
            contact.time_zone.as_deref().unwrap_or_default(),
        ])?;
    }
    let rows = writer.into_inner().map_err(|err| err.into_error())?;
    Ok(Bytes::from(rows))
}

/// Rows per multi-row INSERT: 100,000 rows take 200 statements.
const IMPORT_BATCH: usize = 500;
/// Bad lines reported one by one; beyond this only `failed` counts them, so a wrong file does not
/// get an answer as large as itself.
const MAX_REPORTED_ERRORS: usize = 1_000;

/// What an import did; invalid rows are reported by line.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    total: u64,
    created: u64,
    skipped: u64,
    failed: u64,
    errors: Vec<LineError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineError {
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
pub struct RecordSplitter {
    pending: Vec<u8>,
    scanned: usize,
    state: Scan,
}

impl RecordSplitter {
    pub fn new() -> RecordSplitter {
        RecordSplitter {
            pending: Vec::new(),
            scanned: 0,
            state: Scan::FieldStart,
        }
    }

    /// Adds `chunk` and returns the whole records now available (possibly none).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
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
    pub fn finish(self) -> Vec<u8> {
        self.pending
    }
}

/// Where the columns of the import file are.
#[derive(Debug)]
struct Columns {
    phone: PhoneColumns,
    first_name: Option<usize>,
    last_name: Option<usize>,
    time_zone: Option<usize>,
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
            time_zone: position("time_zone"),
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
                .map(|value| non_blank(value.map(str::to_owned)))
        };
        Ok(NewContact {
            phone,
            first_name: name(self.first_name)?,
            last_name: name(self.last_name)?,
            time_zone: time_zone(name(self.time_zone)?)?,
        })
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&byte| byte == b'\n').count() as u64
}

/// An import in progress: parses runs of whole records and inserts them a batch at a time.
/// Its audit row (R22) is written with the last batch, summing up the whole file; an import cut
/// short after some batches committed records what they did (see [`Importer::interrupted`]).
pub struct Importer<'a> {
    store: &'a Store,
    category_id: Option<i64>,
    origin: Origin,
    columns: Option<Columns>,
    /// Lines of the file before the current run, to number records from 1 at the header.
    lines_before: u64,
    batch: Vec<NewContact>,
    report: ImportReport,
}

impl Importer<'_> {
    /// An import into `store` by `origin`, putting every contact in `category_id` when given.
    pub fn new(store: &Store, category_id: Option<i64>, origin: Origin) -> Importer<'_> {
        Importer {
            store,
            category_id,
            origin,
            columns: None,
            lines_before: 0,
            batch: Vec::new(),
            report: ImportReport::default(),
        }
    }

    /// Parses `run`, whole records only, and inserts the full batches it completes.
    pub async fn feed(&mut self, run: &[u8]) -> ApiResult<()> {
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
        let created = self
            .store
            .import_contacts(batch, self.category_id, None)
            .await?;
        self.count(batch, created);
        Ok(())
    }

    fn count(&mut self, batch: &[NewContact], created: u64) {
        self.report.created += created;
        self.report.skipped += batch.len() as u64 - created;
    }

    /// The import's audit row, once `created` more contacts are counted in.
    fn audit_entry(&self, last_batch: &[NewContact], created: u64, outcome: &str) -> AuditEntry {
        self.origin
            .entry(AuditAction::ContactsImport)
            .summary(serde_json::json!({
                "outcome": outcome,
                "category_id": self.category_id,
                "total": self.report.total,
                "created": self.report.created + created,
                "skipped": self.report.skipped + (last_batch.len() as u64 - created),
                "failed": self.report.failed,
            }))
    }

    /// Inserts what is left with the import's audit row, and reports; a file without even a
    /// header is refused.
    pub async fn finish(mut self) -> ApiResult<ImportReport> {
        if self.columns.is_none() {
            return Err(ApiError::Validation(
                "the CSV file is empty: it needs a header row".to_owned(),
            ));
        }
        let batch = std::mem::take(&mut self.batch);
        let audit_entry = |created| self.audit_entry(&batch, created, "completed");
        let created = self
            .store
            .import_contacts(&batch, self.category_id, Some(&audit_entry))
            .await?;
        self.count(&batch, created);
        Ok(self.report)
    }

    /// Audits an import cut short by `error` after some batches committed: they stay imported,
    /// so what they did is recorded. Nothing is written when nothing was.
    pub async fn interrupted(&self, error: &ApiError) -> ApiResult<()> {
        if self.report.created + self.report.skipped == 0 {
            return Ok(());
        }
        let entry = self.audit_entry(&[], 0, "interrupted");
        let mut summary = entry.summary.clone();
        summary["reason"] = serde_json::json!(short_text(&error.to_string()));
        self.store.record_audit(&entry.summary(summary)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> csv::ByteRecord {
        csv::ByteRecord::from(line.split(',').collect::<Vec<_>>())
    }

    #[test]
    fn whole_records_are_cut_at_newlines_outside_quotes() {
        let mut splitter = RecordSplitter::new();
        assert_eq!(splitter.push(b"phone,first_"), b"");
        assert_eq!(
            splitter.push(b"name\n+33612345678,\"Ann"),
            b"phone,first_name\n"
        );
        assert_eq!(splitter.push(b"\nMarie\"\"\n"), b"");
        assert_eq!(
            splitter.push(b"\"\n+34600111222,Bo"),
            b"+33612345678,\"Ann\nMarie\"\"\n\"\n"
        );
        assert_eq!(splitter.finish(), b"+34600111222,Bo");
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_a_literal() {
        let mut splitter = RecordSplitter::new();
        assert_eq!(splitter.push(b"a\"b,c\nd"), b"a\"b,c\n");
        assert_eq!(splitter.finish(), b"d");
    }

    #[test]
    fn the_header_names_the_phone_in_either_form() {
        let e164 = Columns::from_header(&header(" Phone ,First_Name")).unwrap();
        let contact = e164
            .contact(&header("+33612345678, Ann "))
            .expect("a valid row");
        assert_eq!(contact.phone.as_str(), "+33612345678");
        assert_eq!(contact.first_name.as_deref(), Some("Ann"));
        assert_eq!(contact.last_name, None);

        let parts = Columns::from_header(&header("last_name,country_code,phone_number")).unwrap();
        let contact = parts
            .contact(&header(",34,600111222"))
            .expect("a valid row");
        assert_eq!(contact.phone.as_str(), "+34600111222");
        assert_eq!(contact.last_name, None, "a blank name is no name");

        assert!(Columns::from_header(&header("first_name,country_code")).is_err());
        assert!(e164.contact(&header("not a phone")).is_err());

        let zoned = Columns::from_header(&header("phone,time_zone")).unwrap();
        let contact = zoned
            .contact(&header("+33612345678, America/New_York "))
            .expect("a valid row");
        assert_eq!(contact.time_zone.as_deref(), Some("America/New_York"));
        assert!(zoned.contact(&header("+33612345678,Mars/Olympus")).is_err());
    }

    #[test]
    fn export_rows_follow_the_header() {
        let now = chrono::Utc::now();
        let contact = Contact {
            id: 1,
            phone: "+33612345678".to_owned(),
            first_name: Some("Ann, Marie".to_owned()),
            last_name: None,
            whatsapp_verified: Some(false),
            whatsapp_verified_at: None,
            opted_out_at: None,
            time_zone: Some("Europe/Paris".to_owned()),
            category_ids: vec![],
            created_at: now,
            updated_at: now,
        };
        assert_eq!(
            csv_rows(&[contact]).unwrap(),
            Bytes::from_static(b"+33612345678,\"Ann, Marie\",,false,Europe/Paris\n")
        );
    }
}
