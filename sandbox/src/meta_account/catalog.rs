//! The business account's message templates, as `GET /{waba_id}/message_templates` lists them
//! (<https://developers.facebook.com/docs/graph-api/reference/whats-app-business-hsm>): name,
//! language, category, status, `parameter_format` and components in Meta's own JSON shape.
//!
//! Components stay JSON values on purpose: the sandbox serves whatever Meta's shape a test puts
//! in, and only reads the `text` of `HEADER` and `BODY` components to find their placeholders.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A template's category; Meta may change it after approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateCategory {
    /// Promotional content; routed to `/marketing_messages`.
    Marketing,
    /// Transactional updates.
    Utility,
    /// One-time passwords.
    Authentication,
}

impl TemplateCategory {
    /// The lower-case name pricing objects use.
    pub fn pricing_name(self) -> &'static str {
        match self {
            Self::Marketing => "marketing",
            Self::Utility => "utility",
            Self::Authentication => "authentication",
        }
    }
}

/// A template's review status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateStatus {
    /// Usable.
    Approved,
    /// Under review.
    Pending,
    /// Refused by review.
    Rejected,
    /// Paused for low quality; sends answer 132015.
    Paused,
    /// Disabled; sends answer 132016.
    Disabled,
    /// Rejection under appeal.
    InAppeal,
    /// Deletion requested.
    PendingDeletion,
    /// Deleted.
    Deleted,
    /// Over the account's template limit.
    LimitExceeded,
}

/// How a template's placeholders are written: `{{1}}` or `{{first_name}}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParameterFormat {
    /// `{{1}}`, `{{2}}`, … filled in order.
    #[default]
    Positional,
    /// `{{name}}`, filled by `parameter_name`.
    Named,
}

/// One template of the catalog, in the shape the Graph API lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaTemplate {
    /// Numeric template id, as a string.
    pub id: String,
    /// Template name (shared by its translations).
    pub name: String,
    /// Language and locale code, e.g. `fr` or `en_US`.
    pub language: String,
    /// Latest category.
    pub category: TemplateCategory,
    /// Review status.
    pub status: TemplateStatus,
    /// Placeholder style.
    #[serde(default)]
    pub parameter_format: ParameterFormat,
    /// Meta's components: `{"type": "HEADER"|"BODY"|"FOOTER"|"BUTTONS", "format"?, "text"?, ...}`.
    pub components: Vec<Value>,
}

/// The component kinds whose text parameters a send fills.
pub const PARAMETER_COMPONENTS: [&str; 2] = ["header", "body"];

impl MetaTemplate {
    /// An approved template with a text body and, optionally, a text header.
    pub fn new(
        id: &str,
        name: &str,
        language: &str,
        category: TemplateCategory,
        parameter_format: ParameterFormat,
        header: Option<&str>,
        body: &str,
    ) -> Self {
        let mut components = Vec::new();
        if let Some(header) = header {
            components.push(json!({"type": "HEADER", "format": "TEXT", "text": header}));
        }
        components.push(json!({"type": "BODY", "text": body}));
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            language: language.to_owned(),
            category,
            status: TemplateStatus::Approved,
            parameter_format,
            components,
        }
    }

    /// The text of the component of this kind (`header` or `body`, any case).
    pub fn component_text(&self, kind: &str) -> Option<&str> {
        self.components
            .iter()
            .find(|component| {
                component["type"]
                    .as_str()
                    .is_some_and(|name| name.eq_ignore_ascii_case(kind))
            })
            .and_then(|component| component["text"].as_str())
    }

    /// The distinct placeholders of a component, in order of first appearance.
    pub fn placeholders(&self, kind: &str) -> Vec<String> {
        self.component_text(kind)
            .map(placeholders)
            .unwrap_or_default()
    }
}

/// The distinct `{{…}}` placeholders of `text`, in order of first appearance.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty() && !found.iter().any(|known| known == name) {
            found.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
    found
}

/// `text` with each placeholder replaced by its value; unknown placeholders stay as written.
pub fn render(text: &str, value_of: impl Fn(&str) -> Option<String>) -> String {
    let mut rendered = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        rendered.push_str(&rest[..start]);
        match value_of(after[..end].trim()) {
            Some(value) => rendered.push_str(&value),
            None => rendered.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    rendered.push_str(rest);
    rendered
}

/// The catalog a fresh sandbox starts with: a positional MARKETING template in French and
/// English (with a text header), a NAMED marketing template, and a UTILITY template.
pub fn demo_catalog() -> Vec<MetaTemplate> {
    use ParameterFormat::{Named, Positional};
    use TemplateCategory::{Marketing, Utility};
    let mut named = MetaTemplate::new(
        "1000000000000003",
        "spring_offer_named",
        "fr",
        Marketing,
        Named,
        None,
        "Bonjour {{first_name}}, notre offre de printemps vous attend. Répondez pour en savoir plus !",
    );
    named.components.push(json!({
        "type": "BUTTONS",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Oui"},
            {"type": "QUICK_REPLY", "text": "STOP"},
        ],
    }));
    vec![
        MetaTemplate::new(
            "1000000000000001",
            "spring_offer",
            "fr",
            Marketing,
            Positional,
            Some("Offre de {{1}}"),
            "Bonjour {{1}}, profitez de -20 % sur toute la boutique jusqu'à dimanche. \
             Répondez à ce message pour en savoir plus.",
        ),
        MetaTemplate::new(
            "1000000000000002",
            "spring_offer",
            "en",
            Marketing,
            Positional,
            Some("Offer from {{1}}"),
            "Hi {{1}}, enjoy 20% off the whole shop until Sunday. Reply to this message to \
             learn more.",
        ),
        named,
        MetaTemplate::new(
            "1000000000000004",
            "appointment_reminder",
            "fr",
            Utility,
            Positional,
            None,
            "Bonjour {{1}}, nous vous rappelons votre rendez-vous du {{2}}.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_distinct_and_ordered() {
        assert_eq!(placeholders("{{2}} {{1}} {{2}}"), ["2", "1"]);
        assert_eq!(placeholders("Hi {{ first_name }}!"), ["first_name"]);
        assert!(placeholders("no {{ placeholders").is_empty());
    }

    #[test]
    fn render_fills_known_placeholders_only() {
        let value = |name: &str| (name == "1").then(|| "Ana".to_owned());
        assert_eq!(render("Hi {{1}}, {{2}}", value), "Hi Ana, {{2}}");
    }

    #[test]
    fn demo_catalog_serializes_in_meta_shape() {
        let json = serde_json::to_value(demo_catalog()).expect("serializes");
        assert_eq!(json[0]["category"], "MARKETING");
        assert_eq!(json[0]["status"], "APPROVED");
        assert_eq!(json[0]["parameter_format"], "POSITIONAL");
        assert_eq!(json[0]["components"][1]["type"], "BODY");
        assert_eq!(json[2]["parameter_format"], "NAMED");
        assert_eq!(json[3]["category"], "UTILITY");
    }
}
