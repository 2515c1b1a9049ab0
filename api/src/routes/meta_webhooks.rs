//! `GET` and `POST /webhooks/meta`: Meta's WhatsApp Cloud API webhooks (SPEC §7, R15).
//!
//! The GET answers Meta's subscription handshake, echoing `hub.challenge` only to a request that
//! presents our verify token. Each POST is signed: `X-Hub-Signature-256` is an HMAC-SHA256 of the
//! raw body with the app secret, checked in constant time *before* the body is parsed, so a
//! forged request changes nothing and costs no parsing.
//!
//! One POST may carry several changes, each with several statuses, messages and errors. R15
//! holds for the whole POST: every effect is made durable in turn (each one idempotent), and the
//! answer is 2xx only when all of them are; otherwise 5xx, and Meta's redelivery makes the ones
//! already made again, which changes nothing, and the rest. A status echoing our reference
//! (`biz_opaque_callback_data`) leaves a receipt first: the Cloud API has no search of sent
//! messages, and a send retried after a crash finds its earlier acceptance there.

use crate::context::ApiContext;
use crate::error::ApiJson;
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::routes::webhooks::{Handled, Inbound, interaction, move_status, phone};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use campaign_domain::sending::WINDOW_CLOSED_REASON;
use campaign_domain::{
    ConsentChange, FailureKind, JourneyWorkflowId, MessageReference, MessageType, ProviderOptOutKey,
};
use campaign_provider::meta::signature::verify_signature;
use campaign_provider::meta::webhook::{
    MetaChange, MetaEvent, MetaInbound, MetaNotification, MetaStatus, TemplateQuality,
};
use campaign_provider::webhook::{DeliveryStatus, StatusUpdate};
use campaign_provider::{OutgoingMessage, ProviderError};
use campaign_store::FallbackPreparation;
use campaign_workflows::{ContactJourney, DeliveryFailure};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use temporalio_client::WorkflowSignalOptions;
use temporalio_client::errors::WorkflowInteractionError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Header of the body's signature.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(handshake, receive))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Handshake {
    /// `subscribe`.
    #[serde(rename = "hub.mode")]
    #[param(rename = "hub.mode")]
    mode: Option<String>,
    /// The verify token configured in Meta's app dashboard (`META_VERIFY_TOKEN`).
    #[serde(rename = "hub.verify_token")]
    #[param(rename = "hub.verify_token")]
    verify_token: Option<String>,
    /// Echoed back when the token matches.
    #[serde(rename = "hub.challenge")]
    #[param(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// What the bridge did with a POST: one entry per event, in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MetaAnswer {
    /// `signalled`, `recorded_late`, `recorded_without_journey`, `status_updated`,
    /// `status_unchanged` or `ignored`, per event.
    #[schema(value_type = Vec<String>)]
    handled: Vec<&'static str>,
}

#[utoipa::path(
    get,
    path = "/api/v1/webhooks/meta",
    tag = "webhooks",
    operation_id = "meta_webhook_handshake",
    params(Handshake),
    responses(
        (status = 200, description = "The challenge, echoed: the subscription is verified", body = String, content_type = "text/plain"),
        (status = 403, description = "Not a subscription, or not our verify token", body = ErrorBody),
    )
)]
async fn handshake(
    State(context): State<ApiContext>,
    ApiQuery(query): ApiQuery<Handshake>,
) -> ApiResult<String> {
    let expected = context
        .config
        .provider
        .meta
        .as_ref()
        .map(|meta| meta.verify_token.expose().as_bytes());
    let verified = query.mode.as_deref() == Some("subscribe")
        && match (expected, query.verify_token.as_deref()) {
            (Some(expected), Some(given)) => bool::from(given.as_bytes().ct_eq(expected)),
            _ => false,
        };
    match (verified, query.challenge) {
        (true, Some(challenge)) => Ok(challenge),
        _ => Err(ApiError::Forbidden),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/meta",
    tag = "webhooks",
    operation_id = "meta_webhook",
    params(("x-hub-signature-256" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 of the raw body with the app secret")),
    request_body(
        content = Object,
        content_type = "application/json",
        description = "A `whatsapp_business_account` notification: `entry[].changes[]` with messages, statuses and errors, or template status, category and quality updates",
    ),
    responses(
        (status = 200, description = "Every effect of the notification is durable", body = MetaAnswer),
        (status = 400, description = "Malformed notification", body = ErrorBody),
        (status = 401, description = "Missing or wrong signature: nothing was read", body = ErrorBody),
        (status = 404, description = "The Meta provider is not configured", body = ErrorBody),
        (status = 503, description = "Temporal or the database is unavailable, or an acknowledged message is not recorded yet: Meta redelivers", body = ErrorBody),
    )
)]
async fn receive(
    State(context): State<ApiContext>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<ApiJson<MetaAnswer>> {
    // A request without a signature is refused as such whether or not Meta is configured.
    let Some(signature) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        return Err(ApiError::Unauthorized("missing X-Hub-Signature-256"));
    };
    let Some(meta) = context.config.provider.meta.as_ref() else {
        return Err(ApiError::NotFound("Meta provider"));
    };
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(rejection.body_text()),
    })?;
    if verify_signature(meta.app_secret.expose().as_bytes(), &body, Some(signature)).is_err() {
        return Err(ApiError::Unauthorized(
            "missing or wrong X-Hub-Signature-256",
        ));
    }
    let notification =
        MetaNotification::parse(&body).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    let mut handled = Vec::new();
    for change in notification.changes {
        let name = change_name(&change);
        context
            .metrics
            .webhook_events
            .with_label_values(&[name])
            .inc();
        match change {
            MetaChange::Messages(events) => {
                for event in events {
                    handled.push(meta_event(&context, event).await?.as_str());
                }
            }
            other => handled.push(catalog_change(&context, other).await?.as_str()),
        }
    }
    Ok(ApiJson(MetaAnswer { handled }))
}

/// The metrics label of a change (a fixed set, so a caller cannot create unbounded series).
fn change_name(change: &MetaChange) -> &'static str {
    match change {
        MetaChange::Messages(_) => "meta:messages",
        MetaChange::TemplateStatus(_) => "meta:message_template_status_update",
        MetaChange::TemplateCategory(_) => "meta:template_category_update",
        MetaChange::TemplateQuality(_) => "meta:message_template_quality_update",
        MetaChange::MessagingLimit(_) => "meta:business_capability_update",
        MetaChange::Ignored(_) => "other",
    }
}

/// A template or account change: the catalog and the limit are kept current; a template
/// paused or disabled pauses the campaigns that use it.
async fn catalog_change(context: &ApiContext, change: MetaChange) -> ApiResult<Handled> {
    match change {
        MetaChange::TemplateStatus(update) => {
            let Some(status) = update.status else {
                tracing::info!(status = %update.raw_status, "unknown template status ignored");
                return Ok(Handled::Ignored);
            };
            let changed = context
                .store
                .template_status_changed(
                    &update.name,
                    &update.language,
                    status,
                    update.reason.as_deref(),
                )
                .await?;
            tracing::info!(template = %update.name, language = %update.language, %status,
                paused_campaigns = changed.paused_campaigns, "template status changed");
            Ok(Handled::StatusMoved)
        }
        MetaChange::TemplateCategory(update) => {
            // An announced change keeps the current category: sends route on it until made.
            let Some(category) = update.category.filter(|_| update.announced.is_none()) else {
                return Ok(Handled::Ignored);
            };
            for language in languages(context, &update.name, update.language).await? {
                context
                    .store
                    .template_category_changed(&update.name, &language, category)
                    .await?;
            }
            Ok(Handled::StatusMoved)
        }
        MetaChange::TemplateQuality(update) => {
            let Some(quality) = update.quality else {
                return Ok(Handled::Ignored);
            };
            let quality = match quality {
                TemplateQuality::Green => "green",
                TemplateQuality::Yellow => "yellow",
                TemplateQuality::Red => "red",
                TemplateQuality::Pending => "pending",
            };
            for language in languages(context, &update.name, update.language).await? {
                context
                    .store
                    .template_quality_changed(&update.name, &language, quality)
                    .await?;
            }
            Ok(Handled::StatusMoved)
        }
        MetaChange::MessagingLimit(limit) => {
            context.store.set_messaging_limit(limit).await?;
            Ok(Handled::StatusMoved)
        }
        MetaChange::Messages(_) | MetaChange::Ignored(_) => Ok(Handled::Ignored),
    }
}

/// The languages a template change names: its own, or when Meta gives none, every language of
/// that template in the catalog.
async fn languages(
    context: &ApiContext,
    name: &str,
    language: Option<String>,
) -> ApiResult<Vec<String>> {
    if let Some(language) = language {
        return Ok(vec![language]);
    }
    Ok(context
        .store
        .catalog()
        .await?
        .into_iter()
        .filter(|entry| entry.template.name == name)
        .map(|entry| entry.template.language)
        .collect())
}

async fn meta_event(context: &ApiContext, event: MetaEvent) -> ApiResult<Handled> {
    match event {
        MetaEvent::Inbound(message) => interaction(context, inbound(context, message).await?).await,
        MetaEvent::Status(status) => meta_status(context, status).await,
        MetaEvent::Error(error) => {
            tracing::warn!(code = error.code, title = %error.title, "Meta reported an error");
            Ok(Handled::Ignored)
        }
        MetaEvent::ReactionRemoved { .. } | MetaEvent::Unsupported { .. } => Ok(Handled::Ignored),
    }
}

/// An inbound message as the engine records it; its `context.id` attributes it to the journey
/// whose Message 1 it answers, as Wassenger's quote does.
async fn inbound(context: &ApiContext, message: MetaInbound) -> ApiResult<Inbound> {
    let quoted = match &message.context_id {
        Some(id) => context
            .store
            .sent_message(id)
            .await?
            .filter(|sent| sent.message_type == MessageType::Message1)
            .map(|sent| (sent.campaign_id, sent.contact_id)),
        None => None,
    };
    Ok(Inbound {
        phone: phone(&message.from)?,
        provider_message_id: message.id,
        interaction_type: message.interaction,
        // Postgres text cannot hold NUL; nothing a person typed is lost by dropping it.
        content: message.text.map(|text| text.replace('\0', "")),
        received_at: message.received_at,
        quoted,
        consent_texts: message.consent_texts,
    })
}

/// A status of a message we sent: a receipt when it echoes our reference, the message moved
/// forward (R7), and for a failure, what that failure means (SPEC §7).
async fn meta_status(context: &ApiContext, status: MetaStatus) -> ApiResult<Handled> {
    if let Some(reference) = status
        .reference
        .as_deref()
        .filter(|reference| MessageReference::is_engine_reference(reference))
    {
        context
            .store
            .record_receipt(reference, &status.id, status.at)
            .await?;
    }
    let update = StatusUpdate {
        message_id: status.id.clone(),
        status: status.status,
        at: status.at,
        reference: status.reference.clone(),
    };
    if status.status != DeliveryStatus::Failed {
        return move_status(context, update).await;
    }
    let failure = status.errors.first().map_or_else(
        || {
            ProviderError::retryable(
                FailureKind::Unknown,
                "Meta reported a failure without an error",
            )
        },
        |error| error.to_provider_error(),
    );
    let kind = failure.kind();
    let reason = match kind {
        FailureKind::WindowClosed => WINDOW_CLOSED_REASON.to_owned(),
        _ => failure.to_string(),
    };
    let handled = if context
        .store
        .fail_delivery_at(&status.id, kind, &reason, status.at)
        .await?
    {
        Handled::StatusMoved
    } else {
        // Not moved: failed already (a redelivery), or not recorded yet (then 503).
        move_status(context, update).await?
    };
    undelivered(context, &status, kind, reason).await?;
    Ok(handled)
}

/// What a message Meta accepted and then could not deliver means: the contact stopped
/// marketing messages (an opt-out), cannot be reached (marked so), a paused template or refused
/// credentials (campaigns pause); a Message 1's journey stops waiting for a reply. Each step is
/// idempotent, so a redelivery repeats them harmlessly.
async fn undelivered(
    context: &ApiContext,
    status: &MetaStatus,
    kind: FailureKind,
    reason: String,
) -> ApiResult<()> {
    let Some(sent) = context.store.sent_message(&status.id).await? else {
        return Ok(());
    };
    match kind {
        FailureKind::OptedOut => {
            let contact = context.store.contact(sent.contact_id).await?;
            context
                .store
                .record_consent_change(
                    &contact.phone,
                    ConsentChange::OptOut,
                    &ProviderOptOutKey::new(&status.id).to_string(),
                    status.at,
                )
                .await?;
        }
        FailureKind::Undeliverable => {
            context
                .store
                .set_whatsapp_verified(sent.contact_id, false, None)
                .await?;
        }
        FailureKind::TemplatePaused => {
            context
                .store
                .pause_campaign(sent.campaign_id, &reason)
                .await?;
        }
        FailureKind::Auth => context.store.mark_provider_down(&reason).await?,
        FailureKind::WindowClosed if sent.message_type == MessageType::Message2 => {
            window_fallback(context, &status.id).await?;
        }
        _ => {}
    }
    if sent.message_type != MessageType::Message1 {
        return Ok(());
    }
    let signalled = context
        .temporal
        .get_workflow_handle::<ContactJourney>(
            JourneyWorkflowId::new(sent.campaign_id, sent.contact_id).to_string(),
        )
        .signal(
            ContactJourney::message_1_failed,
            DeliveryFailure { kind, reason },
            WorkflowSignalOptions::default(),
        )
        .await;
    match signalled {
        Ok(()) | Err(WorkflowInteractionError::NotFound(_)) => Ok(()),
        Err(err) => {
            tracing::warn!(%err, campaign_id = sent.campaign_id, contact_id = sent.contact_id,
                "delivery failure signal failed");
            Err(ApiError::Unavailable("Temporal"))
        }
    }
}

/// Sends a Message 2 refused for a closed window again as the campaign's template, once: the
/// webhook is answered only after the fallback is accepted (or cannot be sent), and a redelivery
/// after a call whose answer was lost finds its acceptance in the receipts first. The fallback
/// is not counted in the daily ledger (R10): it is the same Message 2.
async fn window_fallback(context: &ApiContext, provider_message_id: &str) -> ApiResult<()> {
    let fallback = match context
        .store
        .prepare_window_fallback(provider_message_id)
        .await?
    {
        FallbackPreparation::Send(fallback) => fallback,
        FallbackPreparation::Nothing => return Ok(()),
        FallbackPreparation::Unsendable(reason) => {
            tracing::warn!(%reason, "window fallback template cannot be sent");
            return Ok(());
        }
    };
    let reference = format!(
        "{}-window-fallback",
        MessageReference::new(
            fallback.campaign_id,
            fallback.contact_id,
            MessageType::Message2
        )
    );
    if let Some(earlier) = context
        .store
        .receipt(fallback.message_id, &reference)
        .await?
    {
        context
            .store
            .mark_window_fallback_sent(fallback.message_id, &earlier.provider_message_id)
            .await?;
        return Ok(());
    }
    let outgoing = OutgoingMessage {
        phone: fallback.phone,
        content: fallback.content,
        reference,
    };
    match context.provider.send_message(&outgoing).await {
        Ok(accepted) => {
            context
                .store
                .mark_window_fallback_sent(fallback.message_id, &accepted.provider_message_id)
                .await?;
            tracing::info!(
                campaign_id = fallback.campaign_id,
                contact_id = fallback.contact_id,
                "Message 2 sent again as its template after the window closed"
            );
            Ok(())
        }
        Err(err) if err.is_retryable() => {
            tracing::warn!(error = %err, "window fallback send failed; Meta will redeliver");
            Err(ApiError::Unavailable("WhatsApp provider"))
        }
        Err(err) => {
            tracing::warn!(error = %err, "window fallback refused");
            Ok(())
        }
    }
}
