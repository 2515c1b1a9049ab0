//! Message 1's A/B variants (R25): the drafts' variant fields, checked once here, and the
//! comparison of the variants' reply rates with their 95 % Wilson intervals. The winner is
//! decided here, with `campaign_domain::winner`, so the console only shows it.

use super::drafts::valid_text;
use crate::auth::AuthUser;
use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::openapi::MalformedId;
use crate::routes::campaign_templates::valid_template;
use axum::extract::State;
use campaign_domain::variant::check_weights;
use campaign_domain::{
    Message1Variant, TemplateMessage, Variant, json_integer, wilson_interval, winner,
};
use campaign_store::campaigns::{StoredVariant, VariantResult};
use serde::{Deserialize, Serialize};

/// One variant of Message 1 in a draft: a text, or a template (required on the Meta provider),
/// and its weight. Variants are named A, B, C, D in the order given.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct VariantRequest {
    #[serde(default)]
    message_1: Option<String>,
    #[serde(default)]
    message_1_template: Option<TemplateMessage>,
    /// A share: the variants' weights are compared with each other (1–100 each).
    #[serde(deserialize_with = "json_integer::integer")]
    #[schema(minimum = 1, maximum = 100)]
    weight: u32,
}

/// Checks a draft's variants: none, or 2–4, each a valid text or template with a weight.
pub(super) fn valid_variants(requests: Vec<VariantRequest>) -> ApiResult<Vec<Message1Variant>> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let weights: Vec<u32> = requests.iter().map(|request| request.weight).collect();
    check_weights(&weights)
        .map_err(|err| ApiError::Validation(format!("message_1_variants: {err}")))?;
    requests
        .into_iter()
        .zip(Variant::ALL)
        .map(|(request, variant)| {
            let field = format!("message_1_variants[{variant}]");
            let text = request
                .message_1
                .as_deref()
                .map(|text| valid_text(&field, text))
                .transpose()?;
            if let Some(template) = &request.message_1_template {
                valid_template(&field, template)?;
            }
            if text.is_none() && request.message_1_template.is_none() {
                return Err(ApiError::Validation(format!(
                    "{field}: message_1 or message_1_template is required"
                )));
            }
            Ok(Message1Variant {
                text,
                template: request.message_1_template,
                weight: request.weight,
            })
        })
        .collect()
}

/// A variant of a campaign's Message 1, as stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VariantRecord {
    variant: Variant,
    /// Empty when the variant is a template.
    message_1: String,
    message_1_template: Option<TemplateMessage>,
    weight: i32,
}

impl From<StoredVariant> for VariantRecord {
    fn from(stored: StoredVariant) -> Self {
        VariantRecord {
            variant: stored.variant,
            message_1: stored.message_1,
            message_1_template: stored.message_1_template,
            weight: stored.weight,
        }
    }
}

/// A 95 % interval, as fractions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Interval {
    low: f64,
    high: f64,
}

/// One variant's funnel and reply rate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct VariantStats {
    variant: Variant,
    weight: i32,
    /// Contacts given this variant so far.
    contacts: i64,
    message_1_sent: i64,
    delivered: i64,
    read: i64,
    /// Contacts who interacted within the window (R3).
    replied: i64,
    /// `replied / message_1_sent`; null before any Message 1 left.
    reply_rate: Option<f64>,
    /// The reply rate's 95 % Wilson interval; null before any Message 1 left.
    reply_interval: Option<Interval>,
}

/// The variants side by side.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct VariantComparison {
    variants: Vec<VariantStats>,
    /// The variant whose interval lies wholly above every other's; null ("no winner yet") while
    /// the intervals overlap.
    winner: Option<Variant>,
    /// Contacts whose journey is not final yet: their replies can still move the rates.
    still_to_hear_from: i64,
}

fn stats(result: VariantResult) -> VariantStats {
    let (sent, replied) = (result.message_1_sent as u64, result.replied as u64);
    let interval = wilson_interval(replied, sent);
    VariantStats {
        variant: result.variant,
        weight: result.weight,
        contacts: result.contacts,
        message_1_sent: result.message_1_sent,
        delivered: result.delivered,
        read: result.read,
        replied: result.replied,
        reply_rate: (sent > 0).then(|| replied as f64 / sent as f64),
        reply_interval: interval.map(|(low, high)| Interval { low, high }),
    }
}

/// The comparison of a campaign's variants (empty without variants).
#[utoipa::path(
    get,
    path = "/api/v1/campaigns/{id}/variants",
    tag = "campaigns",
    operation_id = "campaign_variants",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "Each variant's funnel and reply rate with its 95 % Wilson interval, and the winner once the intervals do not overlap", body = VariantComparison),
        (status = 400, response = MalformedId),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
pub(super) async fn comparison(
    State(context): State<ApiContext>,
    _user: AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<ApiJson<VariantComparison>> {
    let results = context.store.variant_results(id).await?;
    let unassigned = context.store.journeys_without_variant(id).await?;
    let still_to_hear_from = unassigned + results.iter().map(|result| result.open).sum::<i64>();
    let variants: Vec<VariantStats> = results.into_iter().map(stats).collect();
    let intervals: Vec<_> = variants
        .iter()
        .map(|stats| {
            let interval = stats.reply_interval.as_ref();
            (stats.variant, interval.map(|i| (i.low, i.high)))
        })
        .collect();
    Ok(ApiJson(VariantComparison {
        winner: winner(&intervals),
        variants,
        still_to_hear_from,
    }))
}
