//! Logging, set up once per process.
//!
//! A person at a terminal reads coloured text; everything else (a pipe, a file, a log shipper)
//! gets one JSON object per line, with the fields of the spans an event happened in (the
//! campaign and contact ids of a journey's activity, the method and path of a request), so a
//! journey's lines can be found with `jq` or a log store. `LOG_FORMAT=json` or `LOG_FORMAT=text`
//! forces either; `RUST_LOG` filters as usual (default `info`).

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

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
    let format = LogFormat::choose(
        std::env::var("LOG_FORMAT").ok().as_deref(),
        std::io::stdout().is_terminal(),
    );
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
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
}
