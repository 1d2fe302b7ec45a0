//! One claimed rotation: run it inside its window, or record why not.

use time::OffsetDateTime;

use super::{Outcome, Scheduler};
use crate::notify::{Event, EventName, Trigger};
use crate::schedule::{RotationRules, Window};
use crate::store::{ClaimRelease, DueRotation, RotationStatus, SecretRecord};

/// Shortest wait before a retry, so that a retry is never due again in the
/// pass that recorded the failure.
const MIN_RETRY_BACKOFF: time::Duration = time::Duration::seconds(1);

impl Scheduler {
    /// Runs or skips one claimed rotation, emits its events and releases the
    /// claim with the new schedule state.
    pub(super) async fn handle_due(&self, due: DueRotation) -> Outcome {
        let secret = &due.secret;
        let (outcome, release) = self.decide(&due).await;
        match self
            .secrets
            .release_rotation_claim(secret.id, &self.owner, release)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                secret_arn = %secret.arn,
                "the rotation claim expired before the rotation ended; raise the lease"
            ),
            Err(error) => tracing::error!(
                secret_arn = %secret.arn,
                %error,
                "could not release the rotation claim; it expires with its lease"
            ),
        }
        outcome
    }

    async fn decide(&self, due: &DueRotation) -> (Outcome, ClaimRelease) {
        let secret = &due.secret;
        let rules = secret
            .rotation_rules
            .as_deref()
            .map(RotationRules::from_json);
        let (Some(Ok(rules)), Some(start)) = (rules, secret.next_rotation_at) else {
            tracing::error!(
                secret_arn = %secret.arn,
                rules = secret.rotation_rules.as_deref().unwrap_or("-"),
                "the secret has a rotation date but no valid rotation rules; set them again with \
                 RotateSecret"
            );
            return (Outcome::Skipped, next_window_release(None));
        };
        let window = rules.window_at(start);
        let now = self.clock.now();

        // A rotation that already finished in this window is not run again.
        // A replica that died before it released the claim, or a RotateSecret
        // call, may have finished it. The schedule moves on from that rotation.
        if let Some(rotated) = secret.last_rotated_at
            && rotated >= window.start
        {
            tracing::info!(
                secret_arn = %secret.arn,
                last_rotated = %rotated,
                "the secret was already rotated in this window; moving to the next one"
            );
            let release = ClaimRelease {
                next_rotation_at: Some(rules.next_start(rotated)),
                retry_at: None,
                window_attempts: 0,
            };
            return (Outcome::Skipped, release);
        }

        if now >= window.end {
            let next = rules.next_open_window(window.start, now);
            let outcome = if due.window_attempts > 0 {
                self.emit(EventName::RotationAbandoned, secret, None, due.window_attempts, window, next.map(|w| w.start), None);
                Outcome::Abandoned
            } else {
                tracing::warn!(
                    secret_arn = %secret.arn,
                    window_start = %window.start,
                    window_end = %window.end,
                    next_window = ?next.map(|w| w.start),
                    "rotation window ended before the scheduler ran; waiting for the next window"
                );
                Outcome::Missed
            };
            return (outcome, next_window_release(next));
        }

        let attempt = due.window_attempts + 1;
        let token = self.unfinished_token(secret).await;
        self.emit(EventName::RotationStarted, secret, token.clone(), attempt, window, None, None);
        match self.runner.rotate(&secret.arn, token.clone()).await {
            Ok(version_id) => {
                self.emit(EventName::RotationSucceeded, secret, Some(version_id), attempt, window, None, None);
                let next = rules.next_start(self.clock.now());
                let release = ClaimRelease {
                    next_rotation_at: Some(next),
                    retry_at: None,
                    window_attempts: 0,
                };
                (Outcome::Succeeded, release)
            }
            Err(message) => self.after_failure(secret, &rules, window, attempt, token, message),
        }
    }

    /// Schedules a retry inside the window, or abandons the window when the
    /// retry would start at or after its end.
    fn after_failure(
        &self,
        secret: &SecretRecord,
        rules: &RotationRules,
        window: Window,
        attempt: u32,
        token: Option<String>,
        message: String,
    ) -> (Outcome, ClaimRelease) {
        let now = self.clock.now();
        let backoff = time::Duration::try_from(self.settings.retry_backoff(attempt))
            .unwrap_or(time::Duration::MAX)
            .max(MIN_RETRY_BACKOFF);
        let retry_at = now + backoff;
        if retry_at < window.end {
            self.emit(EventName::RotationFailed, secret, token, attempt, window, Some(retry_at), Some(message));
            let release = ClaimRelease {
                next_rotation_at: None,
                retry_at: Some(retry_at),
                window_attempts: attempt,
            };
            return (Outcome::Failed, release);
        }
        let next = rules.next_open_window(window.start, now);
        let next_start = next.map(|w| w.start);
        self.emit(EventName::RotationFailed, secret, token.clone(), attempt, window, next_start, Some(message));
        self.emit(EventName::RotationAbandoned, secret, token, attempt, window, next_start, None);
        (Outcome::Abandoned, next_window_release(next))
    }

    /// Returns the token of the secret's unfinished rotation, which the next
    /// attempt resumes instead of starting over.
    async fn unfinished_token(&self, secret: &SecretRecord) -> Option<String> {
        match self.secrets.rotation_status(&secret.arn).await {
            Ok(Some(progress))
                if matches!(progress.status, RotationStatus::Failed | RotationStatus::InProgress) =>
            {
                // NOTE: an InProgress rotation may also be one that
                // RotateSecret is running right now; resuming it runs its
                // remaining steps twice, which idempotent steps tolerate.
                Some(progress.token)
            }
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(secret_arn = %secret.arn, %error, "could not read the rotation status");
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments, reason = "one event field per argument")]
    fn emit(
        &self,
        name: EventName,
        secret: &SecretRecord,
        version_id: Option<String>,
        attempt: u32,
        window: Window,
        next_attempt: Option<OffsetDateTime>,
        error_message: Option<String>,
    ) {
        self.notifier.emit(&Event {
            event_name: name,
            event_time: self.clock.now(),
            secret_arn: secret.arn.clone(),
            secret_name: secret.name.clone(),
            version_id,
            attempt,
            trigger: Trigger::Schedule,
            window_start: Some(window.start),
            window_end: Some(window.end),
            next_attempt,
            error_message,
        });
    }
}

fn next_window_release(next: Option<Window>) -> ClaimRelease {
    ClaimRelease {
        next_rotation_at: Some(next.map(|window| window.start)),
        retry_at: None,
        window_attempts: 0,
    }
}
