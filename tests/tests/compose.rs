//! `docker-compose.temporal.yml` and the `Dockerfile` kept in step with the scripts and with what
//! our processes read. Docker does not run on the machines that run the tests, so nothing else
//! would notice a compose file that no longer starts: a required variable never set, one renamed
//! in the code but not here, a Temporal image older than the server the scripts build.
//!
//! The compose file is parsed as Compose does (YAML anchors and `<<` merges, then `${...}`
//! interpolation with the defaults it gives), and each of our services' environment is handed
//! to the very configuration code the binary runs at start-up.

use campaign_api::ApiConfig;
use campaign_runtime::Env;
use campaign_worker::WorkerConfig;
use serde_yaml_ng::{Mapping, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use wa_sandbox::SandboxConfig;

/// What an operator gives for a `${NAME:?message}` variable, long enough for any secret.
const OPERATOR_VALUE: &str = "operator-given-value-0123456789";

/// Variables read outside the configuration structs: the log filter and format
/// (`campaign_runtime::telemetry`, the sandbox's `main`), and the sandbox's listening address.
const READ_BY_MAIN: [(&str, &str); 3] = [
    ("campaign-api", "RUST_LOG LOG_FORMAT"),
    ("campaign-worker", "RUST_LOG LOG_FORMAT"),
    ("wa-sandbox", "RUST_LOG SANDBOX_ADDR"),
];

fn repository_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|err| panic!("{}: {err}", full.display()))
}

/// The compose file's services, merges applied.
fn services() -> Mapping {
    let mut compose: Value =
        serde_yaml_ng::from_str(&repository_file("docker-compose.temporal.yml"))
            .expect("docker-compose.temporal.yml is YAML");
    compose.apply_merge().expect("its `<<` merges apply");
    let services = compose
        .get("services")
        .and_then(Value::as_mapping)
        .expect("a `services` mapping")
        .clone();
    assert!(!services.is_empty(), "no services");
    services
}

/// `text` with Compose's interpolation: `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`
/// (the operator's [`OPERATOR_VALUE`]) and `$$`. A bare `${NAME}` or `$NAME` has no value here
/// and is refused: Compose would substitute an empty string, with only a warning. So is a
/// default that interpolates again, which this file has no need for.
fn interpolate(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        if let Some(after_dollar) = after.strip_prefix('$') {
            out.push('$');
            rest = after_dollar;
            continue;
        }
        let inner_end = after
            .strip_prefix('{')
            .and_then(|inner| inner.find('}'))
            .ok_or_else(|| format!("`{text}`: a variable without braces or default"))?;
        let inner = &after[1..=inner_end];
        if inner.contains('$') {
            return Err(format!("`{text}`: a nested variable"));
        }
        let name_end = inner
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(inner.len());
        let (name, operation) = inner.split_at(name_end);
        let value = if let Some(message) = operation.strip_prefix(":?") {
            assert!(!message.is_empty(), "`{text}`: say what {name} is for");
            OPERATOR_VALUE
        } else if let Some(default) = operation.strip_prefix(":-") {
            default
        } else if let Some(default) = operation.strip_prefix('-') {
            default
        } else {
            return Err(format!("`{text}`: ${{{inner}}} has no default"));
        };
        assert!(!name.is_empty(), "`{text}`: no variable name");
        out.push_str(value);
        rest = &after[inner_end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn string(value: &Value, what: &str) -> String {
    let raw = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        other => panic!("{what}: {other:?} is not a scalar"),
    };
    interpolate(&raw).unwrap_or_else(|err| panic!("{what}: {err}"))
}

/// A service's `environment`, as a mapping or a `NAME=value` list.
fn environment(name: &str, service: &Value) -> BTreeMap<String, String> {
    match service.get("environment") {
        None => BTreeMap::new(),
        Some(Value::Mapping(vars)) => vars
            .iter()
            .map(|(key, value)| {
                let key = key.as_str().expect("variable names are strings").to_owned();
                let value = string(value, &format!("{name}.environment.{key}"));
                (key, value)
            })
            .collect(),
        Some(Value::Sequence(vars)) => vars
            .iter()
            .map(|entry| {
                let entry = string(entry, &format!("{name}.environment"));
                let (key, value) = entry.split_once('=').expect("NAME=value");
                (key.to_owned(), value.to_owned())
            })
            .collect(),
        Some(other) => panic!("{name}.environment: {other:?}"),
    }
}

/// The program a service of ours runs: the first word of its `command`.
fn program(service: &Value) -> Option<String> {
    service.get("build")?;
    let command = service.get("command")?.as_sequence()?.first()?;
    Some(string(command, "command"))
}

/// `name:tag` with a tag that is not `latest`.
fn assert_pinned(what: &str, image: &str) {
    let tag = image
        .rsplit_once(':')
        .filter(|(name, _)| !name.is_empty() && !name.ends_with('/'))
        .map(|(_, tag)| tag)
        .filter(|tag| !tag.contains('/'));
    assert!(
        tag.is_some_and(|tag| !tag.is_empty() && tag != "latest"),
        "{what}: image {image:?} is not pinned to a tag other than `latest`"
    );
}

/// The default of `NAME="${NAME:-value}"` in a script.
fn script_default(script: &str, name: &str) -> String {
    let prefix = format!("{name}=\"${{{name}:-");
    repository_file(script)
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix(&prefix)?
                .strip_suffix("}\"")
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("{script} sets no default for {name}"))
}

#[test]
fn every_image_is_pinned() {
    for (name, service) in services() {
        let name = name.as_str().expect("service names are strings");
        let image = service
            .get("image")
            .unwrap_or_else(|| panic!("{name} names no image"));
        assert_pinned(name, &string(image, &format!("{name}.image")));
    }
    for line in repository_file("Dockerfile").lines() {
        if let Some((arg, image)) = line
            .strip_prefix("ARG ")
            .and_then(|arg| arg.split_once('='))
            && arg.ends_with("_IMAGE")
        {
            assert_pinned(&format!("Dockerfile {arg}"), image);
        }
    }
}

#[test]
fn the_temporal_images_are_the_server_the_scripts_build() {
    let version = script_default("scripts/temporal-postgres.sh", "TEMPORAL_SERVER_VERSION");
    let version = version.strip_prefix('v').expect("a v-prefixed version");
    // Image repository -> tag.
    let images: BTreeMap<String, String> = services()
        .values()
        .filter_map(|service| {
            let image = string(service.get("image")?, "image");
            let (repository, tag) = image.rsplit_once(':')?;
            Some((repository.to_owned(), tag.to_owned()))
        })
        .collect();
    assert_eq!(
        images.get("temporalio/server").map(String::as_str),
        Some(version),
        "temporalio/server against scripts/temporal-postgres.sh"
    );
    let tools = images
        .get("temporalio/admin-tools")
        .expect("the admin-tools image");
    assert!(
        tools.starts_with(&format!("{version}-")),
        "temporalio/admin-tools:{tools} is not of server {version}"
    );
}

/// What a configuration read: the names it asked for, and whether it accepted the values.
fn read_by(
    program: &str,
    vars: &BTreeMap<String, String>,
) -> (BTreeSet<String>, Result<(), String>) {
    let asked = RefCell::new(BTreeSet::new());
    let lookup = |name: &str| {
        asked.borrow_mut().insert(name.to_owned());
        vars.get(name).cloned()
    };
    let outcome = match program {
        "campaign-api" => ApiConfig::from_env(&Env::new(lookup))
            .map(drop)
            .map_err(|err| err.to_string()),
        "campaign-worker" => WorkerConfig::from_env(&Env::new(lookup))
            .map(drop)
            .map_err(|err| err.to_string()),
        "wa-sandbox" => SandboxConfig::from_vars(lookup).map(drop),
        other => panic!("{other}: a program the Dockerfile does not build"),
    };
    let mut asked = asked.into_inner();
    let main = READ_BY_MAIN
        .iter()
        .find(|(name, _)| *name == program)
        .unwrap();
    asked.extend(main.1.split_whitespace().map(str::to_owned));
    (asked, outcome)
}

#[test]
fn our_services_set_what_our_configuration_reads_and_nothing_else() {
    let packages = repository_file("Dockerfile")
        .lines()
        .find_map(|line| {
            line.strip_prefix("ARG PACKAGES=")
                .map(|list| list.trim_matches('"').to_owned())
        })
        .expect("the Dockerfile's PACKAGES");
    let mut ours = BTreeMap::<String, Vec<BTreeMap<String, String>>>::new();
    for (name, service) in services() {
        let name = name.as_str().unwrap().to_owned();
        let Some(program) = program(&service) else {
            continue;
        };
        assert!(
            packages
                .split_whitespace()
                .any(|package| package == program),
            "{name} runs {program}, which the Dockerfile does not build ({packages})"
        );
        let vars = environment(&name, &service);
        let (asked, outcome) = read_by(&program, &vars);
        if let Err(err) = outcome {
            panic!("{name} ({program}) would not start with its environment: {err}");
        }
        let unread: Vec<&String> = vars.keys().filter(|var| !asked.contains(*var)).collect();
        assert!(
            unread.is_empty(),
            "{name} sets {unread:?}, which {program} never reads"
        );
        ours.entry(program).or_default().push(vars);
    }

    // The shape of `make stack`: its default API ports and workers.
    let apis = script_default("scripts/stack.sh", "STACK_API_PORTS")
        .split_whitespace()
        .count();
    let workers: usize = script_default("scripts/stack.sh", "STACK_WORKERS")
        .parse()
        .unwrap();
    assert_eq!(
        ours.get("campaign-api").map_or(0, Vec::len),
        apis,
        "API services"
    );
    assert_eq!(
        ours.get("campaign-worker").map_or(0, Vec::len),
        workers,
        "worker services"
    );

    // Every API and worker meets the others at the same database, Temporal and provider.
    let shared = [
        "DATABASE_URL",
        "TEMPORAL_ADDRESS",
        "TEMPORAL_NAMESPACE",
        "WHATSAPP_PROVIDER",
        "WASSENGER_BASE_URL",
        "WASSENGER_TOKEN",
        "DAILY_MESSAGE_LIMIT",
    ];
    let engine: Vec<&BTreeMap<String, String>> = ours["campaign-api"]
        .iter()
        .chain(&ours["campaign-worker"])
        .collect();
    for var in shared {
        let values: BTreeSet<Option<&String>> = engine.iter().map(|vars| vars.get(var)).collect();
        assert_eq!(
            values.len(),
            1,
            "{var} differs between APIs and workers: {values:?}"
        );
    }
    // The sandbox proves its webhooks with the secret the APIs check.
    let sandbox = &ours["wa-sandbox"][0];
    for api in &ours["campaign-api"] {
        assert_eq!(
            sandbox.get("WEBHOOK_SECRET"),
            api.get("WEBHOOK_SECRET"),
            "WEBHOOK_SECRET"
        );
    }
}

#[test]
fn interpolation_follows_compose() {
    assert_eq!(interpolate("a${X:-b:?c}d${Y-}e$$").unwrap(), "ab:?cde$");
    assert_eq!(interpolate("${S:?give S}").unwrap(), OPERATOR_VALUE);
    assert!(interpolate("${X}").is_err());
    assert!(interpolate("$X").is_err());
    assert!(interpolate("${X:-${Y:-z}}").is_err());
}
