//! API configuration, read once from the environment at start-up.
//!
//! Secrets (`JWT_SECRET`, `WEBHOOK_SECRET`, `ADMIN_PASSWORD`, the provider token) are
//! [`Secret`]s, kept out of `Debug` output so that a logged configuration never leaks them.

use campaign_domain::consent::ConsentKeywords;
use campaign_domain::consent::{DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS};
use campaign_domain::quiet_hours::QuietHoursText;
use campaign_domain::sign_in_throttle::{InvalidThrottle, SignInThrottle};
use campaign_domain::{CampaignSettings, FrequencyCap, InvalidFrequencyCap, QuietHours, settings};
use campaign_runtime::config::daily_message_limit;
use campaign_runtime::{ConfigError, Env, ProviderConfig, Secret, TemporalConfig};
use std::path::PathBuf;
use std::time::Duration;

/// Default address of the API.
pub const DEFAULT_API_ADDR: &str = "127.0.0.1:8080";
/// Access tokens live 15 minutes: short enough that a leaked one expires soon.
const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Refresh tokens live 7 days.
const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// JSON bodies larger than this are refused with 413 before they are read whole.
const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// A CSV import is streamed, so it may be much larger than a JSON body.
const DEFAULT_MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// Failed sign-ins of one email from one client network before that pair is slowed down.
const DEFAULT_SIGN_IN_FREE_PER_PAIR: u32 = 5;
/// Emails a client network may fail on before it is slowed down for every email.
const DEFAULT_SIGN_IN_FREE_EMAILS_PER_ADDRESS: u32 = 10;
/// The first delay once the allowance is spent; it doubles with each further failure.
const DEFAULT_SIGN_IN_BASE_DELAY: Duration = Duration::from_secs(5);
/// The longest delay, and the most it may be set to: nobody is kept out longer than this.
const DEFAULT_SIGN_IN_MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Shortest accepted signing and webhook secrets.
const MIN_SECRET_LEN: usize = 16;

#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub listen_addr: String,
    pub database_url: String,
    pub temporal: TemporalConfig,
    pub daily_message_limit: i32,
    pub jwt_secret: Secret,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub webhook_secret: Secret,
    /// The first super admin, created when no user exists.
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    pub provider: ProviderConfig,
    pub max_body_bytes: usize,
    pub max_import_bytes: usize,
    /// Whether the console's session cookie is marked `Secure` (sent over HTTPS only): set it
    /// wherever the API is reached through TLS.
    pub session_cookie_secure: bool,
    /// The built console (`web/dist`) served at `/`; none serves the API alone.
    pub console_dir: Option<PathBuf>,
    /// The Temporal Web UI, which the console links each journey to.
    pub temporal_ui_url: Option<String>,
    /// The words that opt a contact out or back in (R19).
    pub consent_keywords: ConsentKeywords,
    /// The text answering an opt-out, when one is to be sent.
    pub opt_out_confirmation: Option<String>,
    /// How repeated failed sign-ins are slowed down (R22).
    pub sign_in_throttle: SignInThrottle,
    /// The settings of a campaign that overrides none: the specification's, with the configured
    /// quiet hours and time zone (R21) and frequency cap (R24).
    pub campaign_defaults: CampaignSettings,
}

/// `QUIET_HOURS` as `START-END` local times (`21:00-08:00`); unset or empty is none.
fn quiet_hours(env: &Env) -> Result<Option<QuietHours>, ConfigError> {
    let Some(text) = env
        .optional("QUIET_HOURS")
        .filter(|text| !text.trim().is_empty())
    else {
        return Ok(None);
    };
    let invalid = |reason: String| ConfigError::Invalid {
        name: "QUIET_HOURS",
        reason,
    };
    let (start, end) = text
        .split_once('-')
        .ok_or_else(|| invalid(format!("`{text}` is not START-END, e.g. 21:00-08:00")))?;
    QuietHours::try_from(QuietHoursText {
        start: start.to_owned(),
        end: end.to_owned(),
    })
    .map(Some)
    .map_err(|err| invalid(err.to_string()))
}

/// `FREQUENCY_CAP` as `N/Dd` (`2/7d`: two Message 1s per contact in seven days, the default);
/// `off` is no cap (R24).
fn frequency_cap(env: &Env) -> Result<Option<FrequencyCap>, ConfigError> {
    let text = env.or("FREQUENCY_CAP", &FrequencyCap::DEFAULT.to_string());
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|err: InvalidFrequencyCap| ConfigError::Invalid {
            name: "FREQUENCY_CAP",
            reason: err.to_string(),
        })
}

fn campaign_defaults(env: &Env) -> Result<CampaignSettings, ConfigError> {
    let zone = env.or("DEFAULT_TIME_ZONE", "UTC");
    let zone = settings::time_zone(&zone).map_err(|err| ConfigError::Invalid {
        name: "DEFAULT_TIME_ZONE",
        reason: err.to_string(),
    })?;
    Ok(CampaignSettings {
        quiet_hours: quiet_hours(env)?,
        time_zone: zone.name().to_owned(),
        frequency_cap: frequency_cap(env)?,
        ..CampaignSettings::default()
    })
}

/// Keywords from a comma-separated variable, the defaults when it is unset.
fn keywords(env: &Env, name: &str, defaults: &[&str]) -> Vec<String> {
    match env.optional(name) {
        Some(list) => list.split(',').map(str::to_owned).collect(),
        None => defaults.iter().map(|word| (*word).to_owned()).collect(),
    }
}

fn consent_keywords(env: &Env) -> Result<ConsentKeywords, ConfigError> {
    ConsentKeywords::new(
        keywords(env, "OPT_OUT_KEYWORDS", &DEFAULT_OPT_OUT_KEYWORDS),
        keywords(env, "OPT_IN_KEYWORDS", &DEFAULT_OPT_IN_KEYWORDS),
    )
    .map_err(|err| ConfigError::Invalid {
        name: "OPT_OUT_KEYWORDS",
        reason: err.to_string(),
    })
}

/// The sign-in throttle's settings (R22), checked so that nobody can be kept out longer than
/// 15 minutes.
fn sign_in_throttle(env: &Env) -> Result<SignInThrottle, ConfigError> {
    // It counted failures of any email; it now counts emails, so an old value would mean
    // something else: refuse it rather than ignore it silently.
    if env.optional("SIGN_IN_FREE_ATTEMPTS_PER_ADDRESS").is_some() {
        return Err(ConfigError::Invalid {
            name: "SIGN_IN_FREE_ATTEMPTS_PER_ADDRESS",
            reason: "replaced by SIGN_IN_FREE_EMAILS_PER_ADDRESS (emails an address may fail on)"
                .to_owned(),
        });
    }
    SignInThrottle::new(
        env.parsed("SIGN_IN_FREE_ATTEMPTS", DEFAULT_SIGN_IN_FREE_PER_PAIR)?,
        env.parsed(
            "SIGN_IN_FREE_EMAILS_PER_ADDRESS",
            DEFAULT_SIGN_IN_FREE_EMAILS_PER_ADDRESS,
        )?,
        env.seconds("SIGN_IN_BASE_DELAY_SECS", DEFAULT_SIGN_IN_BASE_DELAY)?,
        env.seconds("SIGN_IN_MAX_DELAY_SECS", DEFAULT_SIGN_IN_MAX_DELAY)?,
    )
    .map_err(|err| ConfigError::Invalid {
        name: match err {
            InvalidThrottle::ZeroBaseDelay => "SIGN_IN_BASE_DELAY_SECS",
            InvalidThrottle::MaxBelowBase { .. } | InvalidThrottle::MaxAboveCeiling(_) => {
                "SIGN_IN_MAX_DELAY_SECS"
            }
        },
        reason: err.to_string(),
    })
}

impl ApiConfig {
    /// Reads the configuration from `env` (the README lists the variables).
    pub fn from_env(env: &Env) -> Result<ApiConfig, ConfigError> {
        Ok(ApiConfig {
            listen_addr: env.or("API_ADDR", DEFAULT_API_ADDR),
            database_url: env.required("DATABASE_URL")?,
            temporal: TemporalConfig::from_env(env),
            daily_message_limit: daily_message_limit(env)?,
            jwt_secret: env.secret("JWT_SECRET", MIN_SECRET_LEN)?,
            access_token_ttl: env.seconds("ACCESS_TOKEN_TTL_SECS", DEFAULT_ACCESS_TOKEN_TTL)?,
            refresh_token_ttl: env.seconds("REFRESH_TOKEN_TTL_SECS", DEFAULT_REFRESH_TOKEN_TTL)?,
            webhook_secret: env.secret("WEBHOOK_SECRET", MIN_SECRET_LEN)?,
            admin_email: env.optional("ADMIN_EMAIL"),
            admin_password: env.optional("ADMIN_PASSWORD").map(Secret::new),
            provider: ProviderConfig::from_env(env)?,
            max_body_bytes: env.parsed("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)?,
            max_import_bytes: env.parsed("MAX_IMPORT_BYTES", DEFAULT_MAX_IMPORT_BYTES)?,
            session_cookie_secure: env.parsed("SESSION_COOKIE_SECURE", false)?,
            console_dir: env
                .optional("CONSOLE_DIR")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from),
            temporal_ui_url: env
                .optional("TEMPORAL_UI_URL")
                .map(|url| url.trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty()),
            consent_keywords: consent_keywords(env)?,
            opt_out_confirmation: env
                .optional("OPT_OUT_CONFIRMATION")
                .filter(|text| !text.trim().is_empty()),
            sign_in_throttle: sign_in_throttle(env)?,
            campaign_defaults: campaign_defaults(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: [(&str, &str); 3] = [
        ("DATABASE_URL", "postgres://localhost/db"),
        ("JWT_SECRET", "a-long-enough-signing-secret"),
        ("WEBHOOK_SECRET", "a-long-enough-webhook-secret"),
    ];

    #[test]
    fn defaults_apply_and_secrets_stay_out_of_debug() {
        let config = ApiConfig::from_env(&Env::from_pairs(&BASE)).unwrap();
        assert_eq!(config.listen_addr, DEFAULT_API_ADDR);
        assert_eq!(config.access_token_ttl, DEFAULT_ACCESS_TOKEN_TTL);
        let debug = format!("{config:?}");
        assert!(!debug.contains("signing-secret") && !debug.contains("webhook-secret"));
    }

    #[test]
    fn short_or_missing_secrets_are_refused() {
        let mut vars = BASE.to_vec();
        vars[1] = ("JWT_SECRET", "short");
        assert!(matches!(
            ApiConfig::from_env(&Env::from_pairs(&vars)),
            Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                ..
            })
        ));
        assert_eq!(
            ApiConfig::from_env(&Env::from_pairs(&BASE[..2])).unwrap_err(),
            ConfigError::Missing("WEBHOOK_SECRET")
        );
    }

    #[test]
    fn the_frequency_cap_defaults_to_two_in_seven_days_and_turns_off() {
        let config = ApiConfig::from_env(&Env::from_pairs(&BASE)).unwrap();
        assert_eq!(
            config.campaign_defaults.frequency_cap,
            Some(FrequencyCap::DEFAULT)
        );
        for (text, cap) in [("3/30d", FrequencyCap::new(3, 30).ok()), ("off", None)] {
            let mut vars = BASE.to_vec();
            vars.push(("FREQUENCY_CAP", text));
            let config = ApiConfig::from_env(&Env::from_pairs(&vars)).unwrap();
            assert_eq!(config.campaign_defaults.frequency_cap, cap, "{text}");
        }
    }

    #[test]
    fn quiet_hours_and_time_zone_default_off_and_utc_and_are_checked() {
        let config = ApiConfig::from_env(&Env::from_pairs(&BASE)).unwrap();
        assert_eq!(config.campaign_defaults.quiet_hours, None);
        assert_eq!(config.campaign_defaults.time_zone, "UTC");
        let mut vars = BASE.to_vec();
        vars.push(("QUIET_HOURS", "21:00-08:00"));
        vars.push(("DEFAULT_TIME_ZONE", "Europe/Paris"));
        let config = ApiConfig::from_env(&Env::from_pairs(&vars)).unwrap();
        assert_eq!(
            config.campaign_defaults.quiet_hours.unwrap().to_string(),
            "21:00–08:00"
        );
        assert_eq!(config.campaign_defaults.time_zone, "Europe/Paris");
        for (name, bad) in [
            ("QUIET_HOURS", "21:00"),
            ("QUIET_HOURS", "21:00-25:00"),
            ("DEFAULT_TIME_ZONE", "Mars/Olympus"),
            ("FREQUENCY_CAP", "2 per week"),
            ("FREQUENCY_CAP", "0/7d"),
        ] {
            let mut vars = BASE.to_vec();
            vars.push((name, bad));
            assert!(
                matches!(ApiConfig::from_env(&Env::from_pairs(&vars)), Err(ConfigError::Invalid { name: refused, .. }) if refused == name),
                "{name}={bad}"
            );
        }
    }

    #[test]
    fn sign_in_throttle_settings_that_break_the_cap_or_were_renamed_are_refused() {
        for (name, value) in [
            ("SIGN_IN_MAX_DELAY_SECS", "901"),
            ("SIGN_IN_BASE_DELAY_SECS", "0"),
            ("SIGN_IN_FREE_ATTEMPTS_PER_ADDRESS", "20"),
        ] {
            let mut vars = BASE.to_vec();
            vars.push((name, value));
            assert!(
                matches!(ApiConfig::from_env(&Env::from_pairs(&vars)), Err(ConfigError::Invalid { name: refused, .. }) if refused == name),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn consent_keywords_are_configurable_and_checked() {
        let mut vars = BASE.to_vec();
        vars.push(("OPT_OUT_KEYWORDS", "basta, Halt"));
        let config = ApiConfig::from_env(&Env::from_pairs(&vars)).unwrap();
        assert_eq!(
            config.consent_keywords.classify("halt"),
            Some(campaign_domain::ConsentChange::OptOut)
        );
        assert_eq!(config.consent_keywords.classify("STOP"), None);
        assert_eq!(config.opt_out_confirmation, None);
        vars.push(("OPT_IN_KEYWORDS", "BASTA"));
        assert!(matches!(
            ApiConfig::from_env(&Env::from_pairs(&vars)),
            Err(ConfigError::Invalid {
                name: "OPT_OUT_KEYWORDS",
                ..
            })
        ));
    }
}
