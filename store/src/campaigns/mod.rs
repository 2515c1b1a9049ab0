//! Campaigns through their lifecycle (`draft → running → completed | failed | cancelled`): drafts
//! the API creates, edits and deletes, the launch, retry and relaunch that start a run, the
//! completion or cancellation that ends one, and the reads of a campaign and its contacts.
//!
//! Each write checks the campaign's status under its row lock in the same transaction as the
//! change, so an edit racing a launch either lands before it or is refused (a running campaign
//! never changes under its workflow), and a launch or retry stays invisible until its workflow
//! has started ([`PendingStart`]).
//!
//! One file a subject: `audience` (whom categories and outcome sets reach, R23), `drafts`
//! (create, edit, delete, cancel a draft), `launch` (launch,
//! retry, relaunch), `reads` (a campaign, the list, its contacts), `report` (the
//! per-recipient report), `variants` (Message 1's A/B variants, R25), `ending` (complete,
//! cancel); the rows they share and the row-locking reads every write starts with are here.

mod audience;
mod drafts;
mod ending;
mod launch;
mod launch_checks;
mod reads;
mod report;
mod variants;

pub use audience::{Audience, AudienceSource, SourceCount};
pub(crate) use launch::launch_settings;
pub use launch::{
    LaunchOutcome, LaunchRules, PendingStart, RelaunchOutcome, RetryOutcome,
    messaging_limit_reason, no_contacts_reason, quota_reason,
};
pub use report::ReportLine;
pub use variants::{StoredVariant, VariantResult};

use crate::StoreError;
use campaign_domain::{
    AudienceSet, CampaignState, FailureKind, JourneyState, Message1Variant, MessageStatus,
    Template, TemplateMessage,
};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, Transaction};

/// A campaign's row as stored, with its categories: what every read of one campaign returns,
/// and what the API's `CampaignRecord` view is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRow {
    pub id: i64,
    pub name: String,
    pub message_1: String,
    pub message_2: String,
    /// The operator's overrides while a draft; the full snapshot once launched (R16).
    pub settings: serde_json::Value,
    pub status: CampaignState,
    pub workflow_id: Option<String>,
    pub category_ids: Vec<i64>,
    pub total_contacts: i32,
    pub final_stats: Option<serde_json::Value>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The launch time of a scheduled campaign (R20), kept once it has launched.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Why a scheduled launch was refused, when the campaign `failed` at its time.
    pub failure_reason: Option<String>,
    /// Message 1 as an approved template (the Meta provider).
    pub message_1_template: Option<Json<TemplateMessage>>,
    /// Message 2's template for a closed customer-service window (131047).
    pub message_2_template: Option<Json<TemplateMessage>>,
    /// Why the campaign is paused (its template paused by Meta, the provider refusing our
    /// credentials), and since when.
    pub paused_reason: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    /// Earlier campaigns' outcome sets the audience adds or excludes (R23).
    pub audience_sets: Json<Vec<AudienceSet>>,
    /// Contacts the launch left out: opted out (R19), at the frequency cap (R24).
    pub opted_out_excluded: i32,
    pub capped_excluded: i32,
    /// Message 1's variants (R25), in variant order; empty without.
    pub message_1_variants: Json<Vec<StoredVariant>>,
}

/// A new draft: texts already parsed (R18), settings already validated by the caller.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    pub name: &'a str,
    /// Message 1's text; may be absent when Message 1 is a template.
    pub message_1: Option<&'a Template>,
    pub message_1_template: Option<&'a TemplateMessage>,
    pub message_2_template: Option<&'a TemplateMessage>,
    pub message_2: &'a Template,
    pub category_ids: &'a [i64],
    pub audience_sets: &'a [AudienceSet],
    pub message_1_variants: &'a [Message1Variant],
    pub settings: &'a serde_json::Value,
    pub created_by: Option<i64>,
}

/// Changes to a draft; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CampaignChanges {
    pub name: Option<String>,
    pub message_1: Option<Template>,
    /// `Some(None)` removes the template.
    pub message_1_template: Option<Option<TemplateMessage>>,
    pub message_2_template: Option<Option<TemplateMessage>>,
    pub message_2: Option<Template>,
    pub category_ids: Option<Vec<i64>>,
    pub audience_sets: Option<Vec<AudienceSet>>,
    /// An empty list removes the variants.
    pub message_1_variants: Option<Vec<Message1Variant>>,
    pub settings: Option<serde_json::Value>,
}

/// What a draft write did.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftWrite {
    Saved(Box<CampaignRow>),
    NotFound,
    /// Only drafts change; the campaign is in `status`.
    NotDraft {
        status: CampaignState,
    },
    /// These category ids do not exist; nothing was written.
    UnknownCategories(Vec<i64>),
    /// These campaigns, named by audience sets, do not exist or never ran (R23); nothing was
    /// written.
    UnusableSources(Vec<i64>),
    /// The audience would be empty by construction: no category and no included set.
    NoAudienceSource,
}

/// What deleting a draft did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftDelete {
    Deleted,
    NotFound,
    NotDraft { status: CampaignState },
}

/// One contact of a campaign and where its journey stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignContact {
    pub contact_id: i64,
    pub phone: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub state: JourneyState,
    pub failure_reason: Option<String>,
    /// Why a `failed` or `limited` journey ended so.
    pub failure_kind: Option<FailureKind>,
    pub message_1_status: Option<MessageStatus>,
    pub message_2_status: Option<MessageStatus>,
    pub message_1_sent_at: Option<DateTime<Utc>>,
    pub first_interaction_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The campaign's status, its row locked until the transaction ends.
pub(crate) async fn status_for_update(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
) -> Result<Option<CampaignState>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT status AS "status: CampaignState" FROM campaigns WHERE id = $1 FOR UPDATE"#,
        campaign_id,
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// The campaign's status and stored settings (a draft's overrides), its row locked until the
/// transaction ends.
pub(crate) async fn status_and_settings_for_update(
    tx: &mut Transaction<'_, Postgres>,
    campaign_id: i64,
) -> Result<Option<(CampaignState, serde_json::Value)>, StoreError> {
    Ok(sqlx::query!(
        r#"SELECT status AS "status: CampaignState", settings AS "settings: serde_json::Value"
           FROM campaigns WHERE id = $1 FOR UPDATE"#,
        campaign_id,
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|row| (row.status, row.settings)))
}
