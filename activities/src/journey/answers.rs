//! How a send meets the provider's answer (SPEC §7, R12, R13, R19): the call itself, finding an
//! earlier call's acceptance (the provider's search, or on Meta the receipts its webhooks left),
//! and what each kind of refusal does: wait (a paused template, refused credentials, a rate
//! limit), end the journey by its outcome (opted out, limited), or fail or retry by R12.

use super::send::{retry_at, sent};
use super::*;
use campaign_domain::ProviderOptOutKey;

impl JourneyActivities {
    /// One provider call, cut off when the attempt has no time left, and counted by its answer.
    pub(super) async fn call(
        &self,
        message_type: MessageType,
        outgoing: &OutgoingMessage,
        time_left: Duration,
    ) -> Result<campaign_provider::AcceptedMessage, ProviderError> {
        let answer = tokio::time::timeout(time_left, self.provider.send_message(outgoing))
            .await
            .unwrap_or_else(|_| {
                Err(ProviderError::retryable(
                    FailureKind::ProviderDown,
                    format!("no answer within the attempt's {time_left:?}"),
                ))
            });
        let outcome = match &answer {
            Ok(_) => SendOutcome::Accepted,
            Err(err) => SendOutcome::Refused(err.kind()),
        };
        self.metrics.send(message_type, outcome);
        answer
    }

    /// How long after an earlier call's bound a retry waits before looking that call up.
    pub(super) fn lookup_margin(&self) -> Duration {
        if self.provider.supports_reference_lookup() {
            CALL_END_MARGIN
        } else {
            CALL_END_MARGIN + RECEIPT_MARGIN
        }
    }

    /// Whether an earlier call for `reference` got through: asked of the provider, or (on a
    /// provider without a search, Meta) read from the receipts its status webhooks left.
    pub(super) async fn earlier_acceptance(
        &self,
        message_id: i64,
        reference: &str,
    ) -> Result<Result<Option<campaign_provider::AcceptedMessage>, ProviderError>, ActivityError>
    {
        if self.provider.supports_reference_lookup() {
            return Ok(self.provider.find_by_reference(reference).await);
        }
        let receipt = self
            .store
            .receipt(message_id, reference)
            .await
            .map_err(database)?;
        Ok(Ok(receipt.map(|receipt| {
            campaign_provider::AcceptedMessage {
                provider_message_id: receipt.provider_message_id,
                accepted_at: Some(receipt.sent_at),
            }
        })))
    }

    /// What a refused call does, by the kind of its failure (SPEC §7): a paused template or
    /// refused credentials pause sending (a wait, never a failure); a contact who stopped
    /// marketing messages in WhatsApp is opted out (R19); a number WhatsApp cannot reach is
    /// marked so; everything else follows the retry rules (R12, R13).
    pub(super) async fn refused(
        &self,
        ids: &PreparedIds,
        outgoing: &OutgoingMessage,
        attempts: i32,
        policy: &SendPolicy,
        err: ProviderError,
    ) -> Result<SentMessage, ActivityError> {
        let reason = err.to_string();
        match err.kind() {
            FailureKind::TemplatePaused => {
                let pause = match &outgoing.content {
                    OutgoingContent::Template(template) => self
                        .store
                        .pause_campaigns_using_template(&template.name, &template.language, &reason)
                        .await
                        .map(drop),
                    OutgoingContent::Text { .. } => Ok(()),
                };
                pause.map_err(database)?;
                self.take_back_attempt(ids.message_id, err.kind(), &reason)
                    .await?;
                Err(self.paused(&reason))
            }
            FailureKind::Auth => {
                self.store
                    .mark_provider_down(&reason)
                    .await
                    .map_err(database)?;
                self.take_back_attempt(ids.message_id, err.kind(), &reason)
                    .await?;
                Err(self.paused(&reason))
            }
            FailureKind::OptedOut => {
                self.store
                    .record_consent_change(
                        &outgoing.phone,
                        ConsentChange::OptOut,
                        &ProviderOptOutKey::new(&outgoing.reference).to_string(),
                        Utc::now(),
                    )
                    .await
                    .map_err(database)?;
                self.store
                    .refuse_opted_out_send(ids.message_id)
                    .await
                    .map_err(database)?;
                tracing::info!(
                    campaign_id = ids.campaign_id,
                    contact_id = ids.contact_id,
                    "the contact stopped marketing messages in WhatsApp: opted out"
                );
                Err(opted_out())
            }
            FailureKind::Undeliverable => {
                self.store
                    .set_whatsapp_verified(ids.contact_id, false, None)
                    .await
                    .map_err(database)?;
                Err(self
                    .after_failure(ids.message_id, attempts, policy, err)
                    .await)
            }
            FailureKind::WindowClosed => {
                let closed =
                    ProviderError::permanent(FailureKind::WindowClosed, WINDOW_CLOSED_REASON);
                Err(self
                    .after_failure(ids.message_id, attempts, policy, closed)
                    .await)
            }
            _ => Err(self
                .after_failure(ids.message_id, attempts, policy, err)
                .await),
        }
    }

    /// Keeps the error of a call that did not count as an attempt (the send waits instead).
    async fn take_back_attempt(
        &self,
        message_id: i64,
        kind: FailureKind,
        reason: &str,
    ) -> Result<(), ActivityError> {
        self.store
            .note_send_error(message_id, kind, reason)
            .await
            .map_err(database)?;
        self.store
            .uncount_attempt(message_id)
            .await
            .map_err(database)
    }

    /// Refuses a send whose contact opted out (R19), unless an earlier attempt's call got
    /// through (the provider is asked by reference): then that acceptance stands.
    pub(super) async fn refuse_opted_out(
        &self,
        message_id: i64,
        reference: &MessageReference,
        called_before: bool,
    ) -> Result<SentMessage, ActivityError> {
        if called_before {
            let earlier = self
                .earlier_acceptance(message_id, &reference.to_string())
                .await?
                .map_err(|err| {
                    ApplicationFailure::builder(format!(
                        "could not ask the provider about an earlier attempt: {err}"
                    ))
                    .type_name("ProviderLookupFailed".to_owned())
                    .build()
                })?;
            if let Some(earlier) = earlier {
                let accepted = self
                    .store
                    .mark_sent(
                        message_id,
                        &earlier.provider_message_id,
                        earlier.accepted_at,
                    )
                    .await
                    .map_err(database)?;
                return Ok(sent(accepted));
            }
        }
        self.store
            .refuse_opted_out_send(message_id)
            .await
            .map_err(database)?;
        self.metrics.send(
            reference.message_type,
            SendOutcome::Withheld(FailureKind::OptedOut),
        );
        tracing::info!(%reference, "send refused: the contact opted out");
        Err(opted_out())
    }

    /// Records a failed provider call (for operators and the circuit breaker) and turns it into
    /// Temporal's next step: permanent errors and the last attempt fail the message for good; a
    /// rate limit waits at least its minimum and does not count as an attempt; other errors retry
    /// after the R12 delay.
    pub(super) async fn after_failure(
        &self,
        message_id: i64,
        attempts: i32,
        policy: &SendPolicy,
        err: ProviderError,
    ) -> ActivityError {
        match self.note_failure(message_id, &err).await {
            Ok(()) => {}
            Err(store_err) => return database(store_err),
        }
        let failed_attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
        let kind = err.kind();
        let reason = match &err {
            ProviderError::Permanent { .. } => err.to_string(),
            ProviderError::RateLimited { .. } => {
                let delay = rate_limited_delay(
                    failed_attempts.max(1),
                    policy.retry_base_delay(),
                    Duration::from_millis(policy.rate_limit_delay_ms),
                );
                return ApplicationFailure::builder(err.to_string())
                    .type_name("RateLimited".to_owned())
                    .next_retry_delay(delay)
                    .build()
                    .into();
            }
            _ if failed_attempts >= policy.max_attempts => {
                format!("gave up after {attempts} attempts: {err}")
            }
            ProviderError::Retryable { .. } => {
                return ApplicationFailure::builder(err.to_string())
                    .type_name("RetryableSendFailure".to_owned())
                    .next_retry_delay(retry_delay(failed_attempts, policy.retry_base_delay()))
                    .build()
                    .into();
            }
        };
        if let Err(store_err) = self.store.fail_message(message_id, kind, &reason).await {
            return database(store_err);
        }
        if kind == FailureKind::Limited {
            return limited(reason);
        }
        permanent(reason)
    }

    async fn note_failure(&self, message_id: i64, err: &ProviderError) -> Result<(), StoreError> {
        self.store
            .note_send_error(message_id, err.kind(), &err.to_string())
            .await?;
        if matches!(err, ProviderError::RateLimited { .. }) {
            self.store.uncount_attempt(message_id).await?;
        }
        // A permanent error (an invalid number, a text too long) says nothing about the health of
        // the sending number, so it does not count towards the breaker's error runs.
        if !matches!(err, ProviderError::Permanent { .. }) {
            let result = SendResult::Error {
                ban_risk: err.is_ban_risk(),
                reason: err.to_string(),
            };
            if self
                .store
                .record_send_result(result, &self.breaker)
                .await?
                .is_some()
            {
                self.metrics.breaker_tripped();
            }
        }
        Ok(())
    }
}

/// The journey a send belongs to, and its message row.
pub(super) struct PreparedIds {
    campaign_id: i64,
    contact_id: i64,
    message_id: i64,
}

pub(super) fn prepared_ids(campaign_id: i64, contact_id: i64, message_id: i64) -> PreparedIds {
    PreparedIds {
        campaign_id,
        contact_id,
        message_id,
    }
}

/// A send Meta refused under its per-user marketing limit (131049): the journey ends `limited`,
/// never retried.
pub(super) fn limited(reason: String) -> ActivityError {
    ApplicationFailure::builder(reason)
        .type_name(CONTACT_LIMITED.to_owned())
        .non_retryable(true)
        .build()
        .into()
}

/// A send refused because its contact opted out (R19): the journey ends `opted_out`.
pub(super) fn opted_out() -> ActivityError {
    ApplicationFailure::builder(OPTED_OUT_REASON)
        .type_name(CONTACT_OPTED_OUT.to_owned())
        .non_retryable(true)
        .build()
        .into()
}

impl JourneyActivities {
    /// A send of a paused campaign: it waits and looks again, until an operator resumes.
    pub(super) fn paused(&self, reason: &str) -> ActivityError {
        self.metrics.send_wait(SendWait::CampaignPaused);
        retry_at(
            Utc::now() + PAUSED_RECHECK,
            &format!("{} ({reason})", SendWait::CampaignPaused.describe()),
        )
    }
}
