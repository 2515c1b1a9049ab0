//! Approved WhatsApp templates (Meta's Cloud API, SPEC §7): what a campaign asks for, what the
//! business account's catalog holds, and the checks between the two.
//!
//! On the Cloud API a business-initiated message must be an approved template, and a template
//! whose parameters do not match its placeholders is refused per send (132000). So a campaign
//! names its template and says where each parameter comes from ([`TemplateMessage`]); the launch
//! checks it against the catalog ([`TemplateMessage::check`]) and refuses a mismatch once, with a
//! reason, instead of 300 failed sends; each send renders it for one contact
//! ([`TemplateMessage::render`]).
//!
//! Placeholders are `{{1}}`, `{{2}}`, ... in a positional template and `{{first_name}}`-style
//! names in a named one (`parameter_format: NAMED`). A positional template takes its parameters
//! in order; a named one by name.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::template::Recipient;

/// Longest parameter or fixed text kept (Meta limits a body to 1,024 characters in all).
pub const MAX_PARAMETER_CHARS: usize = 1024;
/// Longest template name Meta accepts.
pub const MAX_TEMPLATE_NAME_CHARS: usize = 512;
/// Most parameters a template takes here (a header's and a body's together).
pub const MAX_TEMPLATE_PARAMETERS: usize = 20;

/// Which part of a template a parameter fills. Header parameters are text only here: media
/// headers are not supported (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TemplateComponent {
    Header,
    #[default]
    Body,
}

/// Where a parameter's value comes from: a field of the contact, or a fixed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParameterSource {
    FirstName,
    LastName,
    Phone,
    Text,
}

/// One parameter of a campaign's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateParameter {
    /// The part of the template it fills (default `body`).
    #[serde(default)]
    pub component: TemplateComponent,
    /// The placeholder's name, for a named template; absent for a positional one, whose
    /// parameters fill `{{1}}`, `{{2}}`, ... in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = schema::placeholder_name))]
    pub name: Option<String>,
    pub source: ParameterSource,
    /// The fixed value when `source` is `text`; for a contact field, what is sent when the
    /// contact's field is empty (Meta refuses an empty parameter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = schema::parameter_text))]
    pub text: Option<String>,
}

/// The template a campaign sends, and where each of its parameters comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateMessage {
    /// The template's name in the business account.
    #[cfg_attr(feature = "openapi", schema(schema_with = schema::template_name))]
    pub name: String,
    /// Its language code (`fr`, `en_US`, ...).
    #[cfg_attr(feature = "openapi", schema(schema_with = schema::language_code))]
    pub language: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub parameters: Vec<TemplateParameter>,
}

/// Meta's category of a template, which decides its price and where it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum TemplateCategory {
    Marketing,
    Utility,
    Authentication,
}

impl TemplateCategory {
    pub const ALL: [TemplateCategory; 3] = [
        TemplateCategory::Marketing,
        TemplateCategory::Utility,
        TemplateCategory::Authentication,
    ];
}

crate::vocabulary::vocabulary! {
    /// Meta's review status of a template (Meta spells them in upper case: `APPROVED`,
    /// `IN_APPEAL`, ...). Only `approved` templates can be sent.
    pub enum TemplateStatus {
        Approved = "approved",
        Pending = "pending",
        Rejected = "rejected",
        Paused = "paused",
        Disabled = "disabled",
        InAppeal = "in_appeal",
        PendingDeletion = "pending_deletion",
        Deleted = "deleted",
        LimitExceeded = "limit_exceeded",
        Archived = "archived",
    }
}

impl TemplateStatus {
    /// Reads Meta's spelling (`APPROVED`, `in_appeal`, ...); `None` for a status this engine
    /// does not know.
    pub fn from_meta(status: &str) -> Option<TemplateStatus> {
        let lower = status.trim().to_ascii_lowercase();
        TemplateStatus::ALL
            .into_iter()
            .find(|known| known.as_str() == lower)
    }

    /// Whether campaigns using a template in this status must pause: it was sendable and Meta
    /// stopped it (low quality, or disabled).
    pub fn pauses_campaigns(self) -> bool {
        matches!(self, TemplateStatus::Paused | TemplateStatus::Disabled)
    }
}

/// How a template's placeholders are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum ParameterFormat {
    /// `{{1}}`, `{{2}}`, ...
    #[default]
    Positional,
    /// `{{first_name}}`, ...
    Named,
}

/// A template of the business account's catalog, as far as the engine needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogTemplate {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub status: TemplateStatus,
    pub parameter_format: ParameterFormat,
    /// The header's text, when the template has a text header.
    pub header_text: Option<String>,
    /// The body's text, placeholders included.
    pub body_text: String,
}

/// A template rendered for one contact: what the provider sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedTemplate {
    pub name: String,
    pub language: String,
    /// The template's latest category: marketing templates go where Meta says they go.
    pub category: TemplateCategory,
    pub header: Vec<RenderedParameter>,
    pub body: Vec<RenderedParameter>,
}

/// One parameter's value for one contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedParameter {
    /// The placeholder's name, for a named template.
    pub name: Option<String>,
    pub text: String,
}

/// Why a campaign's template cannot be sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateMismatch {
    #[error("template {name:?} in {language:?} is not in the business account's catalog")]
    NotInCatalog { name: String, language: String },
    #[error("template {name:?} is {status}, not approved")]
    NotApproved {
        name: String,
        status: TemplateStatus,
    },
    #[error("template {name:?} has no text header, yet the campaign gives header parameters")]
    NoHeader { name: String },
    #[error(
        "template {name:?} takes {expected} {component} parameter(s), the campaign gives {given}"
    )]
    ParameterCount {
        name: String,
        component: TemplateComponent,
        expected: usize,
        given: usize,
    },
    #[error("template {name:?} is positional: its {component} parameters take no names")]
    NamedOnPositional {
        name: String,
        component: TemplateComponent,
    },
    #[error("template {name:?} has no {component} placeholder {{{{{placeholder}}}}}")]
    UnknownPlaceholder {
        name: String,
        component: TemplateComponent,
        placeholder: String,
    },
    #[error("template {name:?}: {component} placeholder {{{{{placeholder}}}}} has no parameter")]
    MissingPlaceholder {
        name: String,
        component: TemplateComponent,
        placeholder: String,
    },
    #[error("template {name:?}: a fixed-text parameter has no text")]
    EmptyText { name: String },
    #[error(
        "template {name:?}: a parameter's text is longer than {MAX_PARAMETER_CHARS} characters"
    )]
    TextTooLong { name: String },
}

/// Why a template cannot be rendered for one contact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {name:?}: the contact has no {field} for a parameter without a fallback text")]
pub struct MissingField {
    pub name: String,
    pub field: &'static str,
}

impl fmt::Display for TemplateComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TemplateComponent::Header => "header",
            TemplateComponent::Body => "body",
        })
    }
}

/// The placeholders of `text`, in order of first appearance, each once: `1`, `2`, ... or names.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        let valid =
            !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && !found.iter().any(|known| known == inner) {
            found.push(inner.to_owned());
        }
        rest = &after[end + 2..];
    }
    found
}

impl TemplateMessage {
    fn parameters_of(&self, component: TemplateComponent) -> Vec<&TemplateParameter> {
        self.parameters
            .iter()
            .filter(|parameter| parameter.component == component)
            .collect()
    }

    /// Checks this campaign's template against the catalog's entry for it (same name and
    /// language): approved, and each placeholder of the header and body filled exactly once.
    pub fn check(&self, catalog: &CatalogTemplate) -> Result<(), TemplateMismatch> {
        let name = || self.name.clone();
        if catalog.status != TemplateStatus::Approved {
            return Err(TemplateMismatch::NotApproved {
                name: name(),
                status: catalog.status,
            });
        }
        for parameter in &self.parameters {
            let text = parameter.text.as_deref().unwrap_or("");
            if parameter.source == ParameterSource::Text && text.trim().is_empty() {
                return Err(TemplateMismatch::EmptyText { name: name() });
            }
            if text.chars().count() > MAX_PARAMETER_CHARS {
                return Err(TemplateMismatch::TextTooLong { name: name() });
            }
        }
        let header = self.parameters_of(TemplateComponent::Header);
        match &catalog.header_text {
            Some(text) => self.check_component(
                TemplateComponent::Header,
                &placeholders(text),
                &header,
                catalog.parameter_format,
            )?,
            None if !header.is_empty() => return Err(TemplateMismatch::NoHeader { name: name() }),
            None => {}
        }
        self.check_component(
            TemplateComponent::Body,
            &placeholders(&catalog.body_text),
            &self.parameters_of(TemplateComponent::Body),
            catalog.parameter_format,
        )
    }

    fn check_component(
        &self,
        component: TemplateComponent,
        expected: &[String],
        given: &[&TemplateParameter],
        format: ParameterFormat,
    ) -> Result<(), TemplateMismatch> {
        let name = self.name.clone();
        match format {
            ParameterFormat::Positional => {
                if given.iter().any(|parameter| parameter.name.is_some()) {
                    return Err(TemplateMismatch::NamedOnPositional { name, component });
                }
                if expected.len() != given.len() {
                    return Err(TemplateMismatch::ParameterCount {
                        name,
                        component,
                        expected: expected.len(),
                        given: given.len(),
                    });
                }
                Ok(())
            }
            ParameterFormat::Named => {
                let given_names: Vec<&str> =
                    given.iter().filter_map(|p| p.name.as_deref()).collect();
                if let Some(unknown) = given
                    .iter()
                    .map(|p| p.name.as_deref().unwrap_or(""))
                    .find(|given| !expected.iter().any(|e| e == given))
                {
                    return Err(TemplateMismatch::UnknownPlaceholder {
                        name,
                        component,
                        placeholder: unknown.to_owned(),
                    });
                }
                if let Some(missing) = expected.iter().find(|e| !given_names.contains(&e.as_str()))
                {
                    return Err(TemplateMismatch::MissingPlaceholder {
                        name,
                        component,
                        placeholder: missing.clone(),
                    });
                }
                if given.len() != expected.len() {
                    return Err(TemplateMismatch::ParameterCount {
                        name,
                        component,
                        expected: expected.len(),
                        given: given.len(),
                    });
                }
                Ok(())
            }
        }
    }

    /// The template with this contact's values, in the order Meta takes them.
    pub fn render(
        &self,
        category: TemplateCategory,
        recipient: &Recipient<'_>,
    ) -> Result<RenderedTemplate, MissingField> {
        let render = |component| {
            self.parameters_of(component)
                .into_iter()
                .map(|parameter| {
                    Ok(RenderedParameter {
                        name: parameter.name.clone(),
                        text: self.value(parameter, recipient)?,
                    })
                })
                .collect::<Result<Vec<_>, MissingField>>()
        };
        Ok(RenderedTemplate {
            name: self.name.clone(),
            language: self.language.clone(),
            category,
            header: render(TemplateComponent::Header)?,
            body: render(TemplateComponent::Body)?,
        })
    }

    fn value(
        &self,
        parameter: &TemplateParameter,
        recipient: &Recipient<'_>,
    ) -> Result<String, MissingField> {
        let (field, value) = match parameter.source {
            ParameterSource::Text => return Ok(parameter.text.clone().unwrap_or_default()),
            ParameterSource::FirstName => ("first_name", recipient.first_name),
            ParameterSource::LastName => ("last_name", recipient.last_name),
            ParameterSource::Phone => ("phone", Some(recipient.phone)),
        };
        value
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .or(parameter
                .text
                .as_deref()
                .filter(|text| !text.trim().is_empty()))
            .map(str::to_owned)
            .ok_or_else(|| MissingField {
                name: self.name.clone(),
                field,
            })
    }
}

impl RenderedTemplate {
    /// `text` (a header or body of the catalog) with these values in its placeholders: what the
    /// contact reads, for previews and the message's stored content.
    pub fn fill(&self, text: &str, component: TemplateComponent) -> String {
        let values = match component {
            TemplateComponent::Header => &self.header,
            TemplateComponent::Body => &self.body,
        };
        let mut out = text.to_owned();
        for placeholder in placeholders(text) {
            // `{{n}}` takes the n-th positional value, wherever it stands in the text.
            let positional = placeholder
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|index| values.get(index))
                .filter(|value| value.name.is_none());
            let value = values
                .iter()
                .find(|value| value.name.as_deref() == Some(placeholder.as_str()))
                .or(positional);
            if let Some(value) = value {
                out = out.replace(&format!("{{{{{placeholder}}}}}"), &value.text);
            }
        }
        out
    }
}

#[cfg(feature = "openapi")]
pub mod schema;
#[cfg(test)]
mod tests;
