//! What a send says to one contact: the campaign's text rendered (R18), or on the Meta provider
//! its approved template rendered from the catalog (SPEC §7).
//!
//! Composed in the send's own transaction, from the catalog as it is at that moment: a template
//! Meta paused since the launch pauses the campaign instead of failing its sends, and one that
//! disappeared or lost its approval fails the send with a reason naming it.

use campaign_domain::MessageContent;
use campaign_domain::meta_template::TemplateComponent;
use campaign_domain::template::Recipient;
use campaign_domain::{
    CatalogTemplate, FailureKind, MessageType, Template, TemplateMessage, TemplateStatus,
};
use sqlx::types::Json;

/// The send's target as `prepare_send` reads it: the campaign's texts and templates, the
/// catalog's entries for them, and the contact.
pub(crate) struct SendTarget {
    pub message_1: String,
    pub message_2: String,
    pub message_1_template: Option<Json<TemplateMessage>>,
    pub message_2_template: Option<Json<TemplateMessage>>,
    pub message_1_catalog: Option<Json<CatalogTemplate>>,
    pub message_2_catalog: Option<Json<CatalogTemplate>>,
    pub phone: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// A send's content, ready: what to send, its readable text for the message row, and Message 2's
/// template for a closed customer-service window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Composed {
    pub content: MessageContent,
    pub text: String,
    pub window_fallback: Option<MessageContent>,
}

/// Why a send cannot be composed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotComposed {
    /// Meta paused or disabled the template: the campaign pauses with this reason.
    TemplatePaused(String),
    /// The send cannot be made as the campaign stands: it fails with this kind and reason.
    Refused { kind: FailureKind, reason: String },
}

impl SendTarget {
    fn recipient(&self) -> Recipient<'_> {
        Recipient {
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            phone: &self.phone,
        }
    }

    /// The content of `message_type` for this contact.
    pub fn compose(&self, message_type: MessageType) -> Result<Composed, NotComposed> {
        let (text, template, catalog) = match message_type {
            MessageType::Message1 => (
                &self.message_1,
                &self.message_1_template,
                &self.message_1_catalog,
            ),
            MessageType::Message2 => (&self.message_2, &None, &None),
        };
        if let Some(Json(template)) = template {
            let (content, text) = self.render(template, catalog.as_ref().map(|c| &c.0))?;
            return Ok(Composed {
                content,
                text,
                window_fallback: None,
            });
        }
        let rendered = Template::parse(text)
            .map(|template| template.render(&self.recipient()))
            .unwrap_or_else(|_| text.clone());
        let window_fallback = match (message_type, &self.message_2_template) {
            (MessageType::Message2, Some(Json(fallback))) => Some(
                self.render(fallback, self.message_2_catalog.as_ref().map(|c| &c.0))?
                    .0,
            ),
            _ => None,
        };
        Ok(Composed {
            content: MessageContent::text(rendered.clone()),
            text: rendered,
            window_fallback,
        })
    }

    /// `template` rendered for this contact against its catalog entry as it is now.
    fn render(
        &self,
        template: &TemplateMessage,
        catalog: Option<&CatalogTemplate>,
    ) -> Result<(MessageContent, String), NotComposed> {
        let refused = |reason: String| NotComposed::Refused {
            kind: FailureKind::TemplateRejected,
            reason,
        };
        let Some(catalog) = catalog else {
            return Err(refused(format!(
                "template {:?} in {:?} is no longer in the business account's catalog",
                template.name, template.language
            )));
        };
        if catalog.status.pauses_campaigns() {
            return Err(NotComposed::TemplatePaused(paused_reason(
                &catalog.name,
                &catalog.language,
                catalog.status,
            )));
        }
        template
            .check(catalog)
            .map_err(|mismatch| refused(mismatch.to_string()))?;
        let rendered = template
            .render(catalog.category, &self.recipient())
            .map_err(|missing| refused(missing.to_string()))?;
        let mut text = rendered.fill(&catalog.body_text, TemplateComponent::Body);
        if let Some(header) = &catalog.header_text {
            text = format!(
                "{}\n{text}",
                rendered.fill(header, TemplateComponent::Header)
            );
        }
        Ok((MessageContent::Template(rendered), text))
    }
}

/// The reason a campaign shows while its template is paused or disabled by Meta.
pub(crate) fn paused_reason(name: &str, language: &str, status: TemplateStatus) -> String {
    format!(
        "template {name:?} ({language}) is {status} by Meta: fix it in WhatsApp Manager, then resume the campaign"
    )
}
