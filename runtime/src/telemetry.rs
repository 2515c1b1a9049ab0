//! Logging, set up once per process.
//!
//! A person at a terminal reads coloured text; everything else (a pipe, a file, a log shipper)
//! gets one JSON object per line, with the fields of the spans an event happened in (the
//! campaign and contact ids of a journey's activity, the method and path of a request), so a
//! journey's lines can be found with `jq` or a log store. `LOG_FORMAT=json` or `LOG_FORMAT=text`
//! forces either; `RUST_LOG` filters as usual (default `info`).

use std::io::IsTerminal;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT` when it names a format, else text on a terminal and JSON elsewhere.
    pub fn choose(log_format: Option<&str>, stdout_is_terminal: bool) -> LogFormat {
        match log_format {
            Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            _ if stdout_is_terminal => LogFormat::Text,
            _ => LogFormat::Json,
        }
    }
}

/// Installs the process's subscriber. Call once, first thing in `main`.
pub fn init_telemetry() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let terminal = std::io::stdout().is_terminal();
    let format = LogFormat::choose(std::env::var("LOG_FORMAT").ok().as_deref(), terminal);
    subscriber(format, terminal, filter, std::io::stdout).init();
}

/// The subscriber [`init_telemetry`] installs, writing to `writer`. Each line carries the fields
/// of every span it happened in (text: `request{request_id=…}:send_message{campaign_id=…}:`;
/// JSON: `span` and `spans`), which is what lets one grep find a whole journey. Colours only on
/// a terminal: escape codes inside `campaign_id=7` would hide it from grep.
fn subscriber<W>(
    format: LogFormat,
    ansi: bool,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_off_a_terminal_and_whenever_asked() {
        assert_eq!(LogFormat::choose(None, true), LogFormat::Text);
        assert_eq!(LogFormat::choose(None, false), LogFormat::Json);
        assert_eq!(LogFormat::choose(Some("json"), true), LogFormat::Json);
        assert_eq!(LogFormat::choose(Some("text"), false), LogFormat::Text);
        assert_eq!(LogFormat::choose(Some("yaml"), false), LogFormat::Json);
    }

    /// Lines written to a buffer the test reads.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;

        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    /// What one line logged inside an activity's span looks like in `format`, off a terminal.
    fn line_in_a_journey_span(format: LogFormat) -> String {
        let captured = Captured::default();
        let subscriber = subscriber(format, false, EnvFilter::new("info"), captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            let activity =
                tracing::info_span!("RunActivity", temporalWorkflowID = "campaign-7-contact-42");
            let send = activity.in_scope(|| {
                tracing::info_span!("send_message", campaign_id = 7_i64, contact_id = 42_i64)
            });
            send.in_scope(|| tracing::info!(attempts = 1, "message sent"));
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn each_line_carries_the_ids_of_the_spans_it_happened_in() {
        let text = line_in_a_journey_span(LogFormat::Text);
        assert_eq!(text.lines().count(), 1, "{text}");
        for needle in [
            "campaign_id=7",
            "contact_id=42",
            "campaign-7-contact-42",
            "message sent",
        ] {
            assert!(text.contains(needle), "{needle} not in {text}");
        }

        let json = line_in_a_journey_span(LogFormat::Json);
        let line: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
        assert_eq!(line["span"]["campaign_id"], 7);
        assert_eq!(line["span"]["contact_id"], 42);
        assert_eq!(
            line["spans"][0]["temporalWorkflowID"],
            "campaign-7-contact-42"
        );
        assert_eq!(line["fields"]["message"], "message sent");
        // The one-line grep of docs/OPERATIONS.md finds it.
        assert!(
            json.contains(r#""campaign_id":7,"contact_id":42"#),
            "{json}"
        );
    }
}
