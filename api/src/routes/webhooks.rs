//! `POST /webhooks/wassenger`: the provider's events, turned into workflow signals and
//! message status changes (SPEC §7, R15).
//!
//! The answer is 2xx only once the event's effect is durable: the `interaction` signal accepted
//! by Temporal, or the row written. When Temporal or Postgres is down the answer is 503, so the
//! provider redelivers; redelivered events change nothing (the journey drops an interaction id
//! it has seen, the interactions table has a unique provider id, and message status only moves
//! forward). The secret is compared in constant time, before the body is even parsed. A text
//! that is an opt-out or opt-in keyword (R19) changes the contact's consent in the database
//! first, then reaches the journey like any reply.

use crate::context::ApiContext;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::request_trace::record_journey;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use campaign_domain::{
    ConfirmationReference, ConsentChange, InteractionType, JourneyWorkflowId, MessageReference,
    MessageStatus, MessageType, PhoneNumber,
};
use campaign_provider::webhook::{
    DeliveryStatus, InboundMessage, MalformedEvent, StatusUpdate, WebhookDelivery, WebhookEvent,
};
use campaign_store::{NewInteraction, RecordedConsent};
use campaign_workflows::{ConfirmationInput, ContactJourney, Interaction, OptOutConfirmation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use temporalio_client::errors::{WorkflowInteractionError, WorkflowStartError};
use temporalio_client::{
    WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowSignalOptions, WorkflowStartOptions,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Header carrying the shared secret (the query parameter `token` is accepted too).
pub const SECRET_HEADER: &str = "x-webhook-secret";

pub fn routes() -> OpenApiRouter<ApiContext> {
    OpenApiRouter::new().routes(routes!(receive))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SecretQuery {
    /// The shared webhook secret, when the `x-webhook-secret` header is not used.
    token: Option<String>,
}

/// What the bridge did with a provider event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct WebhookAnswer {
    /// `signalled`, `recorded_late`, `recorded_without_journey`, `status_updated`,
    /// `status_unchanged` or `ignored`.
    #[schema(value_type = String, example = "signalled")]
    status: &'static str,
}

/// What the bridge did with an event, echoed in the answer for operators reading logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handled {
    Signalled,
    RecordedLate,
    RecordedWithoutJourney,
    StatusMoved,
    StatusUnchanged,
    Ignored,
}

impl Handled {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Handled::Signalled => "signalled",
            Handled::RecordedLate => "recorded_late",
            Handled::RecordedWithoutJourney => "recorded_without_journey",
            Handled::StatusMoved => "status_updated",
            Handled::StatusUnchanged => "status_unchanged",
            Handled::Ignored => "ignored",
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/webhooks/wassenger",
    tag = "webhooks",
    operation_id = "wassenger_webhook",
    params(
        ("x-webhook-secret" = Option<String>, Header, description = "The shared webhook secret (or the `token` query parameter)"),
        SecretQuery,
    ),
    request_body(
        content = Object,
        content_type = "application/json",
        description = "A Wassenger event: `message:in:new`, `message:reaction`, `message:out:ack`, `message:update` or `message:out:failed` (others are ignored)",
    ),
    responses(
        (status = 200, description = "The event's effect is durable", body = WebhookAnswer),
        (status = 400, description = "Malformed event", body = ErrorBody),
        (status = 401, description = "Missing or wrong webhook secret", body = ErrorBody),
        (status = 503, description = "Temporal or the database is unavailable, or the acknowledged message is not recorded yet: the provider should redeliver", body = ErrorBody),
    )
)]
async fn receive(
    State(context): State<ApiContext>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<SecretQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<ApiJson<WebhookAnswer>> {
    let presented = headers
        .get(SECRET_HEADER)
        .map(|value| value.as_bytes().to_vec())
        .or(query.token.map(String::into_bytes));
    let expected = context.config.webhook_secret.expose().as_bytes();
    if !presented.is_some_and(|secret| bool::from(secret.as_slice().ct_eq(expected))) {
        return Err(ApiError::Unauthorized("missing or wrong webhook secret"));
    }
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest(rejection.body_text()),
    })?;
    let delivery = WebhookDelivery::parse(&body).map_err(malformed)?;
    // Unknown names share one label, so a caller cannot create unbounded series.
    context
        .metrics
        .webhook_events
        .with_label_values(&[delivery.kind().name().unwrap_or("other")])
        .inc();
    let handled = match delivery.event().map_err(malformed)? {
        WebhookEvent::Message(message) => {
            let interaction_type =
                InteractionType::from_provider_type(message.message_type.as_deref().unwrap_or(""));
            interaction(&context, inbound(message, interaction_type)?).await?
        }
        WebhookEvent::Reaction(reaction) => {
            interaction(&context, inbound(reaction, InteractionType::Emoji)?).await?
        }
        WebhookEvent::Status(update) => move_status(&context, update).await?,
        WebhookEvent::Ignored => Handled::Ignored,
    };
    Ok(ApiJson(WebhookAnswer {
        status: handled.as_str(),
    }))
}

fn malformed(err: MalformedEvent) -> ApiError {
    ApiError::BadRequest(err.to_string())
}

/// A phone as a provider writes it (with or without `+`), in E.164 with `+`.
pub(crate) fn phone(raw: &str) -> ApiResult<PhoneNumber> {
    let digits = raw.trim().trim_start_matches('+');
    PhoneNumber::parse(&format!("+{digits}"))
        .map_err(|err| ApiError::BadRequest(format!("invalid phone {raw:?}: {err}")))
}

/// An inbound message or reaction, as the engine records it.
pub(crate) struct Inbound {
    pub provider_message_id: String,
    pub phone: PhoneNumber,
    pub interaction_type: InteractionType,
    pub content: Option<String>,
    pub received_at: DateTime<Utc>,
    /// `(campaign, contact)` of the Message 1 it quotes, if any.
    pub quoted: Option<(i64, i64)>,
    /// The texts an opt-out or opt-in keyword may be (R19): a text message's body, a
    /// quick-reply button's payload and label.
    pub consent_texts: Vec<String>,
}

fn inbound(message: InboundMessage, interaction_type: InteractionType) -> ApiResult<Inbound> {
    // Postgres text cannot hold NUL; nothing a person typed is lost by dropping it.
    let content = message.body.map(|body| body.replace('\0', ""));
    Ok(Inbound {
        phone: phone(&message.from_number)?,
        provider_message_id: message.id,
        interaction_type,
        consent_texts: content
            .iter()
            .filter(|_| interaction_type == InteractionType::Text)
            .cloned()
            .collect(),
        content,
        received_at: message.sent_at,
        quoted: message
            .quoted_reference
            .as_deref()
            .and_then(message_1_reference),
    })
}

/// The journey a quoted reference names, when it is a Message 1 (replies quote Message 1).
fn message_1_reference(reference: &str) -> Option<(i64, i64)> {
    let reference: MessageReference = reference.parse().ok()?;
    (reference.message_type == MessageType::Message1)
        .then_some((reference.campaign_id, reference.contact_id))
}

/// Signals the journey the interaction belongs to (R3; SPEC §7: the open journey it
/// quotes, else the latest Message 1 to that phone), or records it when that journey has already
/// ended (a late reply, R4) or when no journey exists (R6).
pub(crate) async fn interaction(context: &ApiContext, inbound: Inbound) -> ApiResult<Handled> {
    let consent = consent_change(context, &inbound).await?;
    let journey = context
        .store
        .journey_for_interaction(inbound.phone.as_str(), inbound.quoted, inbound.received_at)
        .await?;
    let Some((campaign_id, contact_id)) = journey else {
        let contact_id = context
            .store
            .contact_id_by_phone(inbound.phone.as_str())
            .await?;
        record_journey(None, contact_id);
        context
            .store
            .record_interactions(&[record(&inbound, None, contact_id)])
            .await?;
        return Ok(Handled::RecordedWithoutJourney);
    };
    record_journey(Some(campaign_id), Some(contact_id));
    let signal = Interaction {
        provider_message_id: inbound.provider_message_id.clone(),
        interaction_type: inbound.interaction_type,
        phone: inbound.phone.as_str().to_owned(),
        content: inbound.content.clone(),
        received_at_ms: inbound.received_at.timestamp_millis(),
        consent,
    };
    let sent = context
        .temporal
        .get_workflow_handle::<ContactJourney>(
            JourneyWorkflowId::new(campaign_id, contact_id).to_string(),
        )
        .signal(
            ContactJourney::interaction,
            signal,
            WorkflowSignalOptions::default(),
        )
        .await;
    let result = match &sent {
        Ok(()) => "ok",
        Err(WorkflowInteractionError::NotFound(_)) => "journey_closed",
        Err(_) => "error",
    };
    context
        .metrics
        .signals_sent
        .with_label_values(&["interaction", result])
        .inc();
    match sent {
        Ok(()) => {
            tracing::info!(provider_message_id = %inbound.provider_message_id, "interaction signalled to its journey");
            Ok(Handled::Signalled)
        }
        Err(WorkflowInteractionError::NotFound(_)) => {
            let new = context
                .store
                .record_late_interaction(&record(&inbound, Some(campaign_id), Some(contact_id)))
                .await?;
            tracing::info!(provider_message_id = %inbound.provider_message_id, new, "interaction recorded after its journey closed");
            Ok(Handled::RecordedLate)
        }
        Err(err) => {
            tracing::warn!(%err, campaign_id, contact_id, "interaction signal failed");
            Err(ApiError::Unavailable("Temporal"))
        }
    }
}

/// Records the consent change a text makes (R19) before anything else: the contact's opt-out is
/// in the database before the journey hears of it, so a send checking consent right before its
/// provider call sees it. An opt-out of a contact who accepted messages starts its confirmation,
/// when one is configured (a repeated STOP, or an auto-responder answering the confirmation, gets
/// none).
async fn consent_change(
    context: &ApiContext,
    inbound: &Inbound,
) -> ApiResult<Option<ConsentChange>> {
    let Some(change) = inbound
        .consent_texts
        .iter()
        .find_map(|text| context.config.consent_keywords.classify(text))
    else {
        return Ok(None);
    };
    let recorded = context
        .store
        .record_consent_change(
            inbound.phone.as_str(),
            change,
            &inbound.provider_message_id,
            inbound.received_at,
        )
        .await?;
    if let Some(recorded) = recorded {
        record_journey(None, Some(recorded.contact_id));
        tracing::info!(
            contact_id = recorded.contact_id,
            change = change.as_str(),
            in_force = recorded.in_force,
            redelivered = recorded.redelivered,
            "consent change recorded"
        );
        if recorded.confirmation_due
            && let Some(text) = &context.config.opt_out_confirmation
        {
            confirm_opt_out(context, &recorded, text).await?;
        }
    }
    Ok(Some(change))
}

/// Starts the confirmation of an opt-out; a redelivery finds it started (or done) already.
async fn confirm_opt_out(
    context: &ApiContext,
    recorded: &RecordedConsent,
    text: &str,
) -> ApiResult<()> {
    let consent_change_id = recorded.consent_change_id;
    let started = context
        .temporal
        .start_workflow(
            OptOutConfirmation::run,
            ConfirmationInput {
                contact_id: recorded.contact_id,
                consent_change_id,
                text: text.to_owned(),
            },
            WorkflowStartOptions::new(
                context.config.temporal.task_queue.clone(),
                ConfirmationReference::new(recorded.contact_id, consent_change_id).to_string(),
            )
            .id_reuse_policy(WorkflowIdReusePolicy::RejectDuplicate)
            .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
            .build(),
        )
        .await;
    match started {
        Ok(_) | Err(WorkflowStartError::AlreadyStarted { .. }) => Ok(()),
        Err(err) => {
            tracing::warn!(%err, consent_change_id, "could not start the opt-out confirmation");
            Err(ApiError::Unavailable("Temporal"))
        }
    }
}

fn record(inbound: &Inbound, campaign_id: Option<i64>, contact_id: Option<i64>) -> NewInteraction {
    NewInteraction {
        campaign_id,
        contact_id,
        phone: inbound.phone.as_str().to_owned(),
        interaction_type: inbound.interaction_type.as_str().to_owned(),
        provider_message_id: inbound.provider_message_id.clone(),
        content: inbound.content.clone(),
        received_at: inbound.received_at,
        within_window: false,
    }
}

/// Moves a message forward (R7) and its campaign's delivered / read / failed counters with it.
///
/// The provider may acknowledge a message before the send activity has written the id it got
/// back: an ack for one of our messages (its `reference` says so) whose id is not recorded yet
/// answers 503, and the provider's redelivery finds it.
pub(crate) async fn move_status(context: &ApiContext, update: StatusUpdate) -> ApiResult<Handled> {
    let status = match update.status {
        DeliveryStatus::Sent => MessageStatus::Sent,
        DeliveryStatus::Delivered => MessageStatus::Delivered,
        DeliveryStatus::Read => MessageStatus::Read,
        DeliveryStatus::Failed => MessageStatus::Failed,
    };
    if let Some(reference) = update.reference.as_deref().and_then(|r| r.parse().ok()) {
        let MessageReference {
            campaign_id,
            contact_id,
            ..
        } = reference;
        record_journey(Some(campaign_id), Some(contact_id));
    }
    let moved = context
        .store
        .advance_message_status_at(&update.message_id, status, update.at)
        .await?;
    if moved {
        return Ok(Handled::StatusMoved);
    }
    let ours = update
        .reference
        .as_deref()
        .is_some_and(MessageReference::is_engine_reference);
    if ours && !context.store.message_recorded(&update.message_id).await? {
        return Err(ApiError::Unavailable("the acknowledged message's record"));
    }
    Ok(Handled::StatusUnchanged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_1_references_are_parsed_and_others_refused() {
        assert_eq!(
            message_1_reference("campaign-12-contact-345-message_1"),
            Some((12, 345))
        );
        assert_eq!(
            message_1_reference("campaign-12-contact-345-message_2"),
            None
        );
        assert_eq!(message_1_reference("campaign-1:contact-7:step-0"), None);
        assert_eq!(message_1_reference(""), None);
    }

    #[test]
    fn phones_match_with_and_without_plus() {
        assert_eq!(
            phone("33612345678").unwrap(),
            phone("+33612345678").unwrap()
        );
        assert!(phone("not a phone").is_err());
    }
}
