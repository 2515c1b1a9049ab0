//! One attempt of a send (see the module docs of `journey`): what the store says of the message,
//! then every reason to wait (the pair interval, the circuit breaker, quiet hours, pacing), then
//! the attempt count, the lookup of an earlier call, and the call itself.

use super::*;

impl JourneyActivities {
    /// One attempt of [`JourneyActivities::send_message`].
    pub(super) async fn send_once(
        &self,
        input: SendMessageInput,
    ) -> Result<SentMessage, ActivityError> {
        // Temporal's timeouts do not stop this code: a provider call still in flight when the
        // attempt is given to another worker could land after that worker's reference lookup and
        // be a second send. So every call has a bound, recorded with its attempt, and a retry
        // waits until that bound has passed before it looks the message up.
        let deadline = Instant::now()
            + Duration::from_millis(input.policy.attempt_timeout_ms)
                .saturating_sub(DEADLINE_MARGIN);
        let SendMessageInput {
            campaign_id,
            contact_id,
            message_type,
            policy,
            pacing,
            quiet_hours,
        } = input;
        let prepared = match self
            .store
            .prepare_send(campaign_id, contact_id, message_type)
            .await
            .map_err(database)?
        {
            SendPreparation::Send(prepared) => *prepared,
            SendPreparation::AlreadySent(accepted) => {
                tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                    "duplicate send attempt: message already accepted, not sending again");
                let mut sent = sent(accepted);
                if message_type == MessageType::Message1 {
                    sent.answered_at_ms = self
                        .store
                        .first_interaction_at(campaign_id, contact_id)
                        .await
                        .map_err(database)?
                        .map(|at| at.timestamp_millis());
                }
                return Ok(sent);
            }
            // A retry meets the outcome its first attempt decided, `limited` and opted out too.
            SendPreparation::AlreadyFailed { kind, reason } => {
                return Err(match kind {
                    FailureKind::Limited => limited(reason),
                    FailureKind::OptedOut => opted_out(),
                    _ => permanent(reason),
                });
            }
            SendPreparation::JourneyClosed => {
                tracing::info!(campaign_id, contact_id, %message_type, "send skipped: journey already closed");
                return Err(permanent(JOURNEY_CLOSED_REASON));
            }
            SendPreparation::CampaignPaused { reason } => {
                return Err(self.paused(&reason));
            }
            SendPreparation::Unsendable { kind, reason } => {
                tracing::warn!(campaign_id, contact_id, %message_type, %kind, %reason, "send refused: cannot be composed");
                return Err(permanent(reason));
            }
        };

        // Meta refuses a second message to one contact too soon after the first (131056):
        // Message 2 keeps the provider's pair interval after Message 1.
        let pair_interval =
            chrono::Duration::from_std(self.provider.pair_interval()).unwrap_or_default();
        if let Some(message_1_at) = prepared
            .message_1_sent_at
            .filter(|_| message_type == MessageType::Message2)
        {
            match (message_1_at + pair_interval - Utc::now()).to_std() {
                Ok(wait) if wait > PACING_HORIZON => {
                    return Err(
                        self.wait_until(message_1_at + pair_interval, SendWait::PairInterval)
                    );
                }
                Ok(wait) => tokio::time::sleep(wait).await,
                Err(_) => {}
            }
        }
        if let Some(until) = self.store.sending_paused_until().await.map_err(database)? {
            return Err(self.wait_until(until, SendWait::Breaker));
        }
        // R21: checked before a pacing slot is taken, so a held send holds no slot, and noted on
        // the journey, so it holds no place in the campaign's window either. Message 2 answers a
        // contact who just wrote and is never held.
        let quiet = quiet_hours.filter(|_| message_type == MessageType::Message1);
        if let Some(quiet) = quiet {
            let zone = quiet.zone_for(prepared.time_zone.as_deref());
            if let Some(open) = quiet.hours.next_open(Utc::now(), zone) {
                self.store
                    .hold_message_1_until(campaign_id, contact_id, open)
                    .await
                    .map_err(database)?;
                return Err(self.wait_until(open, SendWait::QuietHours));
            }
        }
        let paced = pacing.filter(|p| message_type == MessageType::Message1 && p.interval_ms > 0);
        if let Some(pacing) = paced {
            match self
                .store
                .reserve_send_slot(campaign_id, &pacing, PACING_HORIZON)
                .await
                .map_err(database)?
            {
                SlotReservation::Granted { at } => {
                    if let Ok(wait) = (at - Utc::now()).to_std() {
                        self.metrics.pacing_wait(wait);
                        tokio::time::sleep(wait).await;
                    }
                }
                SlotReservation::Wait { until } => {
                    return Err(self.wait_until(until, SendWait::Pacing));
                }
            }
        }

        // A paced call waits here for the pacing gate (R11), which a late earlier call may have
        // moved past this send's slot.
        let (attempts, call_ends) = loop {
            let call_ends = deadline.min(Instant::now() + self.call_timeout);
            let call_bound =
                call_ends.saturating_duration_since(Instant::now()) + self.lookup_margin();
            let counted = self
                .store
                .count_attempt(
                    prepared.message_id,
                    self.daily_limit,
                    call_bound,
                    paced.as_ref().map(|pacing| (campaign_id, pacing)),
                )
                .await
                .map_err(database)?;
            let attempts = match counted {
                AttemptCount::Counted(attempts) => attempts,
                AttemptCount::PacingGate { until } => {
                    match (until - Utc::now()).to_std() {
                        Ok(wait) if wait > PACING_HORIZON => {
                            return Err(self.wait_until(until, SendWait::Pacing));
                        }
                        Ok(wait) => {
                            self.metrics.pacing_wait(wait);
                            tokio::time::sleep(wait).await;
                        }
                        Err(_) => {}
                    }
                    continue;
                }
                AttemptCount::EarlierCallInFlight { until } => {
                    return Err(self.wait_until(until, SendWait::EarlierCall));
                }
                AttemptCount::JourneyClosed => {
                    tracing::info!(campaign_id, contact_id, %message_type, "send skipped: journey closed while waiting for its slot");
                    return Err(permanent(JOURNEY_CLOSED_REASON));
                }
                AttemptCount::DailyLimitReached => {
                    tracing::warn!(campaign_id, contact_id, %message_type, "send refused: daily limit reached");
                    self.metrics
                        .send(message_type, SendOutcome::Withheld(FailureKind::DailyLimit));
                    return Err(permanent(DAILY_LIMIT_REASON));
                }
                AttemptCount::FrequencyCapped => {
                    tracing::info!(campaign_id, contact_id, %message_type, "send refused: frequency cap reached");
                    self.metrics.send(
                        message_type,
                        SendOutcome::Withheld(FailureKind::FrequencyCapped),
                    );
                    return Err(permanent(FREQUENCY_CAP_REASON));
                }
                AttemptCount::OptedOut { called_before } => {
                    let reference = MessageReference::new(campaign_id, contact_id, message_type);
                    return self
                        .refuse_opted_out(prepared.message_id, &reference, called_before)
                        .await;
                }
            };
            break (attempts, call_ends);
        };
        let reference = MessageReference::new(campaign_id, contact_id, message_type).to_string();
        if attempts > 1 {
            match self
                .earlier_acceptance(prepared.message_id, &reference)
                .await?
            {
                Ok(Some(earlier)) => {
                    let accepted = self
                        .store
                        .mark_sent(
                            prepared.message_id,
                            &earlier.provider_message_id,
                            earlier.accepted_at,
                        )
                        .await
                        .map_err(database)?;
                    tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                        "earlier attempt was accepted by the provider; recorded it instead of sending again");
                    return Ok(sent(accepted));
                }
                Ok(None) => {}
                Err(err) => {
                    return Err(self
                        .after_failure(prepared.message_id, attempts, &policy, err)
                        .await);
                }
            }
        }
        // The attempt count is in the database, so a failure that could not be recorded on the
        // last attempt never turns into one more provider call (R12).
        if attempts > i32::try_from(policy.max_attempts).unwrap_or(i32::MAX) {
            let reason = format!("gave up after {} attempts", policy.max_attempts);
            // The last attempt's outcome was never recorded: why it failed is unknown.
            self.store
                .fail_message(prepared.message_id, FailureKind::Unknown, &reason)
                .await
                .map_err(database)?;
            return Err(permanent(reason));
        }
        let Some(time_left) = call_ends.checked_duration_since(Instant::now()) else {
            // The pacing wait or the lookup used up this attempt's time: no call was made, so it
            // is not one.
            self.store
                .uncount_attempt(prepared.message_id)
                .await
                .map_err(database)?;
            return Err(ApplicationFailure::builder(
                "no time left in this attempt for the provider call",
            )
            .type_name("AttemptOutOfTime".to_owned())
            .next_retry_delay(Duration::ZERO)
            .build()
            .into());
        };

        let mut outgoing = OutgoingMessage {
            phone: prepared.phone,
            content: prepared.content,
            reference,
        };
        let mut answer = self.call(message_type, &outgoing, time_left).await;
        // Meta refuses free text outside the customer-service window (131047): Message 2 then
        // goes as the campaign's fallback template, in the same attempt.
        if let (Err(err), Some(fallback)) = (&answer, prepared.window_fallback)
            && err.kind() == FailureKind::WindowClosed
        {
            tracing::info!(campaign_id, contact_id, %message_type, "customer-service window closed: sending the fallback template");
            outgoing.content = fallback;
            let time_left = call_ends.saturating_duration_since(Instant::now());
            answer = self.call(message_type, &outgoing, time_left).await;
        }
        match answer {
            Ok(accepted) => {
                // An answer that did not say when: the acceptance was just now.
                let accepted_at = accepted.accepted_at.unwrap_or_else(Utc::now);
                let accepted = self
                    .store
                    .mark_sent(
                        prepared.message_id,
                        &accepted.provider_message_id,
                        Some(accepted_at),
                    )
                    .await
                    .map_err(database)?;
                self.store
                    .record_send_result(SendResult::Accepted, &self.breaker)
                    .await
                    .map_err(database)?;
                tracing::info!(campaign_id, contact_id, %message_type, provider_message_id = %accepted.provider_message_id,
                    attempts, "message sent");
                Ok(sent(accepted))
            }
            Err(err) => {
                tracing::warn!(campaign_id, contact_id, %message_type, attempts, error = %err, "send failed");
                self.refused(
                    &prepared_ids(campaign_id, contact_id, prepared.message_id),
                    &outgoing,
                    attempts,
                    &policy,
                    err,
                )
                .await
            }
        }
    }
}

pub(super) fn sent(accepted: AcceptedSend) -> SentMessage {
    SentMessage {
        provider_message_id: accepted.provider_message_id,
        sent_at_ms: accepted.sent_at.timestamp_millis(),
        answered_at_ms: None,
    }
}

impl JourneyActivities {
    /// A send that waits until `until` for `wait`: counted, then a retry with that delay.
    pub(super) fn wait_until(&self, until: DateTime<Utc>, wait: SendWait) -> ActivityError {
        self.metrics.send_wait(wait);
        if wait == SendWait::Pacing {
            self.metrics
                .pacing_wait((until - Utc::now()).to_std().unwrap_or_default());
        }
        retry_at(until, wait.describe())
    }
}

/// A retry that is a wait, not a failure: `why` says what for.
pub(super) fn retry_at(until: DateTime<Utc>, why: &str) -> ActivityError {
    let delay = (until - Utc::now())
        .to_std()
        .unwrap_or_default()
        .max(MIN_WAIT);
    ApplicationFailure::builder(format!("{why} until {until}"))
        .type_name("SendWaiting".to_owned())
        .next_retry_delay(delay)
        .category(temporalio_common::error::ApplicationErrorCategory::Benign)
        .build()
        .into()
}
