//! Which WhatsApp provider a [`TestEnv`] runs on: Wassenger or Meta's Cloud API, both spoken by
//! the same in-process sandbox, so the tests that matter run on each through the engine's real
//! clients (SPEC §7).

use crate::TestEnv;
use campaign_domain::{
    AuditAction, Channel, ParameterSource, TemplateComponent, TemplateMessage, TemplateParameter,
};
use campaign_store::campaigns::CampaignChanges;

/// The verify token the tests' API expects in Meta's subscription handshake.
pub const META_VERIFY_TOKEN: &str = "test-meta-verify-token";
/// The Graph API version the tests' engine speaks.
pub const META_GRAPH_VERSION: &str = "v23.0";

/// The provider an engine under test talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Wassenger,
    Meta,
}

impl Provider {
    /// Both, for tests that must hold on each.
    pub const ALL: [Provider; 2] = [Provider::Wassenger, Provider::Meta];

    /// What the engine takes as Message 1 on this provider.
    pub fn channel(self) -> Channel {
        match self {
            Provider::Wassenger => Channel::FreeText,
            Provider::Meta => Channel::Templates {
                messaging_limit: None,
            },
        }
    }
}

/// The sandbox's positional marketing template in French: `Offre de {{1}}` over `Bonjour {{1}},
/// ...`, with the contact's first name in the body.
pub fn spring_offer() -> TemplateMessage {
    TemplateMessage {
        name: "spring_offer".to_owned(),
        language: "fr".to_owned(),
        parameters: vec![
            TemplateParameter {
                component: TemplateComponent::Header,
                name: None,
                source: ParameterSource::Text,
                text: Some("la boutique".to_owned()),
            },
            TemplateParameter {
                component: TemplateComponent::Body,
                name: None,
                source: ParameterSource::FirstName,
                text: Some("client".to_owned()),
            },
        ],
    }
}

/// The environment variables that point an engine's processes at the sandbox at `sandbox_url`,
/// speaking `provider`'s API.
pub fn provider_env(provider: Provider, sandbox_url: &str) -> Vec<(&'static str, String)> {
    match provider {
        Provider::Wassenger => vec![
            ("WHATSAPP_PROVIDER", "sandbox".to_owned()),
            ("WASSENGER_BASE_URL", sandbox_url.to_owned()),
            ("WASSENGER_TOKEN", wa_sandbox::DEFAULT_TOKEN.to_owned()),
        ],
        Provider::Meta => vec![
            ("WHATSAPP_PROVIDER", "meta".to_owned()),
            ("META_GRAPH_URL", sandbox_url.to_owned()),
            ("META_GRAPH_VERSION", META_GRAPH_VERSION.to_owned()),
            (
                "META_PHONE_NUMBER_ID",
                wa_sandbox::DEFAULT_META_PHONE_NUMBER_ID.to_owned(),
            ),
            ("META_WABA_ID", wa_sandbox::DEFAULT_META_WABA_ID.to_owned()),
            (
                "META_ACCESS_TOKEN",
                wa_sandbox::DEFAULT_META_ACCESS_TOKEN.to_owned(),
            ),
            (
                "META_APP_SECRET",
                wa_sandbox::DEFAULT_META_APP_SECRET.to_owned(),
            ),
            ("META_VERIFY_TOKEN", META_VERIFY_TOKEN.to_owned()),
        ],
    }
}

impl TestEnv {
    /// The environment variables that point the engine's processes at this sandbox, speaking
    /// the provider's API.
    pub fn provider_env(&self) -> Vec<(&'static str, String)> {
        provider_env(self.provider, &self.sandbox.base_url)
    }

    /// On Meta: reads the sandbox's catalog through the engine's own client into the store,
    /// as the API does at start-up.
    pub async fn load_catalog(&self) -> anyhow::Result<()> {
        if self.provider != Provider::Meta {
            return Ok(());
        }
        let config =
            campaign_runtime::ProviderConfig::from_env(&campaign_runtime::Env::new(|name| {
                self.provider_env()
                    .into_iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value)
            }))?;
        let provider = campaign_runtime::build_provider(&config)?;
        let templates = provider.list_templates().await?;
        self.store.replace_catalog(&templates, None).await?;
        Ok(())
    }

    /// On Meta, gives a draft Message 1 as the sandbox's `spring_offer` template (Message 1
    /// must be a template there); on Wassenger, leaves it as it is.
    pub async fn adapt_draft(&self, campaign_id: i64) -> anyhow::Result<()> {
        if self.provider != Provider::Meta {
            return Ok(());
        }
        let entry = TestEnv::operator().entry(AuditAction::CampaignUpdate);
        self.store
            .update_draft_campaign(
                campaign_id,
                CampaignChanges {
                    message_1_template: Some(Some(spring_offer())),
                    ..CampaignChanges::default()
                },
                &entry,
            )
            .await?;
        Ok(())
    }
}
