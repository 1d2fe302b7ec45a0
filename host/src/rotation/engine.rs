//! The four-step rotation engine.
//!
//! A rotation starts from `SecretsService::begin_rotation`, which stores the
//! configuration and the AWSPENDING placeholder in one transaction. The steps
//! then run in order, each in a fresh instance, and progress is persisted after
//! each, so a rotation restarted with the same token resumes after the last
//! finished step. A failed step leaves AWSCURRENT where it was.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument;

use super::error::RotationError;
use super::policy::RotationPolicy;
use super::registry::RotatorRegistry;
use super::settings::{read_secret_ids, validate_settings};
use super::steps::{STEPS, StepName};
use crate::secrets::{RotationConfig, RotationStart, SecretsService};
use crate::wasm::bindings::{RotationError as GuestError, RotationEvent};
use crate::wasm::{
    AllowList, LoadedRotator, SecretsScope, StepContext, StepOutcome, StepState, WasmError,
};

/// Setting that lists secrets the rotation may read besides its own,
/// comma-separated (names or ARNs).
pub const READ_SECRETS_SETTING: &str = "read-secrets";

/// A request to rotate one secret.
#[derive(Clone, Debug, Default)]
pub struct RotateRequest {
    pub secret_id: String,
    /// Version id for the new version; a fresh UUID when absent. Repeating
    /// the token of an unfinished rotation resumes it.
    pub token: Option<String>,
    /// Rotator to configure; `None` reuses the stored configuration.
    pub rotator: Option<String>,
    pub settings: BTreeMap<String, String>,
    /// Hosts allowed for this run in addition to the configured allow-list.
    pub extra_allow_list: AllowList,
}

/// Receives progress while a rotation runs, for example to print it.
pub trait RotationObserver: Send + Sync {
    fn rotation_started(&self, _start: &RotationStart) {}
    fn step_skipped(&self, _step: StepName) {}
    fn step_finished(&self, _step: StepName, _attempt: u32, _elapsed: Duration, _error: Option<&str>) {}
}

/// A rotation that has begun (its AWSPENDING version exists) and whose steps
/// have not run yet.
#[derive(Clone, Debug)]
pub struct StartedRotation {
    pub start: RotationStart,
    extra_allow_list: AllowList,
}

/// An observer that ignores everything.
pub struct QuietObserver;

impl RotationObserver for QuietObserver {}

/// The outcome of a successful rotation.
#[derive(Clone, Debug)]
pub struct RotationReport {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub rotator: String,
    pub resumed: bool,
    pub steps: Vec<(StepName, Duration)>,
}

pub struct RotationEngine {
    secrets: SecretsService,
    registry: Arc<RotatorRegistry>,
    policy: RotationPolicy,
}

impl RotationEngine {
    pub fn new(secrets: SecretsService, registry: Arc<RotatorRegistry>, policy: RotationPolicy) -> Self {
        Self {
            secrets,
            registry,
            policy,
        }
    }

    /// Runs a rotation to completion or to its first failed step: [`start`]
    /// followed by [`run`].
    ///
    /// [`start`]: RotationEngine::start
    /// [`run`]: RotationEngine::run
    pub async fn rotate(
        &self,
        request: RotateRequest,
        observer: &dyn RotationObserver,
    ) -> Result<RotationReport, RotationError> {
        let started = self.start(request).await?;
        observer.rotation_started(&started.start);
        self.run(started, observer).await
    }

    /// Begins a rotation (or resumes the unfinished one whose token the
    /// request names) without running any step: checks that the rotator
    /// exists, then stores the configuration and the empty AWSPENDING
    /// version. The returned [`StartedRotation`] carries the version id, so a
    /// caller can respond before the steps run.
    pub async fn start(&self, request: RotateRequest) -> Result<StartedRotation, RotationError> {
        // Resolve the rotator before anything is stored, so an unknown
        // rotator leaves the secret untouched.
        if let Some(reference) = &request.rotator {
            self.registry.get(reference).await?;
            validate_settings(reference, &request.settings).map_err(RotationError::InvalidSetting)?;
        }
        let config = request.rotator.as_ref().map(|rotator| RotationConfig {
            rotator: rotator.clone(),
            settings: request.settings.clone(),
        });
        let start = self
            .secrets
            .begin_rotation(&request.secret_id, request.token.as_deref(), config)
            .await?;
        Ok(StartedRotation {
            start,
            extra_allow_list: request.extra_allow_list,
        })
    }

    /// Runs the steps of a rotation that [`start`](RotationEngine::start)
    /// began, skipping those already finished.
    pub async fn run(
        &self,
        started: StartedRotation,
        observer: &dyn RotationObserver,
    ) -> Result<RotationReport, RotationError> {
        let start = &started.start;
        let span = tracing::info_span!(
            "rotation",
            secret_arn = %start.arn,
            version_id = %start.version_id,
            rotator = %start.rotator,
            resumed = start.resumed,
        );
        self.run_steps(start, &started.extra_allow_list, observer)
            .instrument(span)
            .await
    }

    /// The registry the engine loads rotators from.
    pub fn registry(&self) -> &Arc<RotatorRegistry> {
        &self.registry
    }

    /// Runs one step of a started rotation with the policy's retries and
    /// records it as finished. A step that already finished runs again, as
    /// it would on a host that stopped before recording its progress.
    pub async fn run_step(
        &self,
        started: &StartedRotation,
        step: StepName,
        observer: &dyn RotationObserver,
    ) -> Result<Duration, RotationError> {
        let start = &started.start;
        let environment = self.step_environment(start, &started.extra_allow_list).await?;
        let elapsed = self
            .run_step_with_retries(&environment.rotator, start, step, &environment.scope, &environment.allow_list, observer)
            .await?;
        self.secrets
            .record_rotation_step(&start.arn, &start.version_id, step.aws_name())
            .await?;
        Ok(elapsed)
    }

    /// Calls one step once with the rotation event of `started`, without
    /// retries and without recording progress or failure. Conformance checks
    /// use it to send events that the engine itself never sends, such as a
    /// token that is not the AWSPENDING version. Returns the step's error
    /// message, redacted, when the rotator rejects the event.
    pub async fn probe_step(&self, started: &StartedRotation, step: StepName) -> Result<Result<(), String>, RotationError> {
        let start = &started.start;
        let environment = self.step_environment(start, &started.extra_allow_list).await?;
        let outcome = self
            .run_step_once(&environment.rotator, start, step, 1, &environment.scope, &environment.allow_list)
            .await;
        Ok(outcome.map_err(|failure| failure.message))
    }

    /// Checks that finishSecret left AWSCURRENT on the rotation's version and
    /// marks the rotation succeeded. Call it after the last step has run.
    pub async fn complete(&self, started: &StartedRotation) -> Result<(), RotationError> {
        let start = &started.start;
        self.check_current_moved(start).await?;
        self.secrets.finish_rotation(&start.arn, &start.version_id).await?;
        tracing::info!(secret_arn = %start.arn, version_id = %start.version_id, "rotation succeeded");
        Ok(())
    }

    async fn run_steps(
        &self,
        start: &RotationStart,
        extra_allow_list: &AllowList,
        observer: &dyn RotationObserver,
    ) -> Result<RotationReport, RotationError> {
        let environment = self.step_environment(start, extra_allow_list).await?;
        self.check_pinned_rotator(start, &environment.rotator).await?;
        tracing::info!(allow_list = %environment.allow_list, "rotation started");

        let mut timings = Vec::new();
        for step in STEPS {
            if start.completed_steps.iter().any(|done| done == step.aws_name()) {
                observer.step_skipped(step);
                continue;
            }
            let elapsed = self
                .run_step_with_retries(
                    &environment.rotator,
                    start,
                    step,
                    &environment.scope,
                    &environment.allow_list,
                    observer,
                )
                .await?;
            self.secrets
                .record_rotation_step(&start.arn, &start.version_id, step.aws_name())
                .await?;
            timings.push((step, elapsed));
        }

        self.check_current_moved(start).await?;
        self.secrets.finish_rotation(&start.arn, &start.version_id).await?;
        tracing::info!("rotation succeeded");
        Ok(RotationReport {
            arn: start.arn.clone(),
            name: start.name.clone(),
            version_id: start.version_id.clone(),
            rotator: start.rotator.clone(),
            resumed: start.resumed,
            steps: timings,
        })
    }

    /// Loads the rotator and builds the secrets scope and allow-list that
    /// every step of `start` runs with.
    async fn step_environment(
        &self,
        start: &RotationStart,
        extra_allow_list: &AllowList,
    ) -> Result<StepEnvironment, RotationError> {
        let rotator = self.registry.get(&start.rotator).await?;
        let scope = SecretsScope {
            rotated_arn: start.arn.clone(),
            token: start.version_id.clone(),
            readable_arns: self.readable_arns(&start.settings).await?,
        };
        let mut allow_list = self.policy.allow_list_for(rotator.name());
        allow_list.extend(extra_allow_list);
        Ok(StepEnvironment {
            rotator,
            scope,
            allow_list,
        })
    }

    async fn run_step_with_retries(
        &self,
        rotator: &LoadedRotator,
        start: &RotationStart,
        step: StepName,
        scope: &SecretsScope,
        allow_list: &AllowList,
        observer: &dyn RotationObserver,
    ) -> Result<Duration, RotationError> {
        let retry = &self.policy.retry;
        let first_attempt = Instant::now();
        let mut attempt = 1;
        loop {
            let span = tracing::info_span!("rotation.step", step = step.aws_name(), attempt);
            let started = Instant::now();
            let result = self
                .run_step_once(rotator, start, step, attempt, scope, allow_list)
                .instrument(span)
                .await;
            let elapsed = started.elapsed();
            let failure = match result {
                Ok(()) => {
                    observer.step_finished(step, attempt, elapsed, None);
                    return Ok(elapsed);
                }
                Err(failure) => failure,
            };
            observer.step_finished(step, attempt, elapsed, Some(&failure.message));

            let backoff = retry.backoff(attempt);
            // A credential that is not active yet is retried until the step
            // deadline, however many attempts that takes.
            let within_deadline = failure.until_deadline
                && first_attempt.elapsed() + backoff < self.policy.limits.step_timeout;
            if failure.retryable && (attempt < retry.max_attempts || within_deadline) {
                tracing::warn!(
                    step = step.aws_name(),
                    attempt,
                    backoff_ms = backoff.as_millis() as u64,
                    error = %failure.message,
                    "rotation step failed; retrying"
                );
                tokio::time::sleep(backoff).await;
                attempt += 1;
                continue;
            }

            tracing::error!(step = step.aws_name(), attempt, error = %failure.message, "rotation failed");
            if step == StepName::CreateSecret
                && self
                    .secrets
                    .withdraw_rotation(&start.arn, &start.version_id, &failure.message)
                    .await?
            {
                return Err(RotationError::Withdrawn {
                    secret: start.name.clone(),
                    attempts: attempt,
                    message: failure.message,
                });
            }
            self.secrets
                .fail_rotation(&start.arn, &start.version_id, step.aws_name(), &failure.message)
                .await?;
            return Err(RotationError::StepFailed {
                secret: start.name.clone(),
                version_id: start.version_id.clone(),
                step: step.aws_name(),
                attempts: attempt,
                message: failure.message,
            });
        }
    }

    async fn run_step_once(
        &self,
        rotator: &LoadedRotator,
        start: &RotationStart,
        step: StepName,
        attempt: u32,
        scope: &SecretsScope,
        allow_list: &AllowList,
    ) -> Result<(), StepFailure> {
        let context = StepContext {
            rotator: rotator.name().to_string(),
            secret_arn: start.arn.clone(),
            step: step.aws_name(),
            attempt,
        };
        let state = StepState::new(
            self.secrets.clone(),
            scope.clone(),
            allow_list.clone(),
            self.policy.limits.clone(),
            context,
        );
        let event = RotationEvent {
            secret_id: start.arn.clone(),
            client_request_token: start.version_id.clone(),
            step: step.wit_step(),
            attempt,
            settings: start
                .settings
                .iter()
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        };

        let (outcome, state) = rotator.run_step(state, &event).await;
        if state.log_budget.lines_dropped > 0 {
            tracing::warn!(
                lines_dropped = state.log_budget.lines_dropped,
                "rotator log lines dropped after the step reached its log limit"
            );
        }
        let failure = match outcome {
            StepOutcome::Succeeded => return Ok(()),
            StepOutcome::Failed(error) => StepFailure::from_guest(error),
            StepOutcome::Trapped(message) => StepFailure::permanent(message),
            StepOutcome::TimedOut(limit) => StepFailure::permanent(format!(
                "the step did not finish within {}s while waiting on a host call",
                limit.as_secs()
            )),
        };
        let mut message = state.redactor.redact(failure.message.trim_end_matches('.'));
        let (output, _) = state.output.contents();
        let output = output.trim();
        if !output.is_empty() {
            let output: String = state.redactor.redact(output).chars().take(2048).collect();
            message.push_str(&format!("; rotator output: {output}"));
        }
        Err(StepFailure {
            message,
            retryable: failure.retryable,
            until_deadline: failure.until_deadline,
        })
    }

    /// Pins the rotator's digest on the rotation's first run, and fails a
    /// resumed rotation whose rotator was replaced since then.
    async fn check_pinned_rotator(
        &self,
        start: &RotationStart,
        rotator: &LoadedRotator,
    ) -> Result<(), RotationError> {
        let pinned = self
            .secrets
            .pin_rotator(&start.arn, &start.version_id, rotator.sha256())
            .await?;
        if pinned == rotator.sha256() {
            return Ok(());
        }
        let error = WasmError::RotatorChanged {
            rotator: rotator.name().to_string(),
            pinned,
            current: rotator.sha256().to_string(),
        };
        tracing::error!(error = %error, "rotation stopped");
        Err(error.into())
    }

    /// Resolves the `read-secrets` setting to ARNs.
    async fn readable_arns(&self, settings: &BTreeMap<String, String>) -> Result<Vec<String>, RotationError> {
        let mut arns = Vec::new();
        for secret_id in read_secret_ids(settings) {
            arns.push(self.secrets.resolve(secret_id).await?.arn);
        }
        Ok(arns)
    }

    /// finishSecret must leave AWSCURRENT on the rotation's version.
    async fn check_current_moved(&self, start: &RotationStart) -> Result<(), RotationError> {
        let description = self.secrets.describe_secret(&start.arn).await?;
        let current_on_token = description
            .version_ids_to_stages
            .as_ref()
            .and_then(|versions| versions.get(&start.version_id))
            .is_some_and(|stages| stages.iter().any(|stage| stage == "AWSCURRENT"));
        if current_on_token {
            return Ok(());
        }
        let message = format!(
            "finishSecret returned success but AWSCURRENT is not on version {}",
            start.version_id
        );
        self.secrets
            .fail_rotation(&start.arn, &start.version_id, StepName::FinishSecret.aws_name(), &message)
            .await?;
        Err(RotationError::StepFailed {
            secret: start.name.clone(),
            version_id: start.version_id.clone(),
            step: StepName::FinishSecret.aws_name(),
            attempts: 1,
            message,
        })
    }
}

/// The rotator, secrets scope and allow-list that every step of one
/// rotation shares.
struct StepEnvironment {
    rotator: Arc<LoadedRotator>,
    scope: SecretsScope,
    allow_list: AllowList,
}

struct StepFailure {
    message: String,
    retryable: bool,
    /// Retried until the step deadline rather than `max_attempts` times.
    until_deadline: bool,
}

impl StepFailure {
    fn permanent(message: String) -> Self {
        Self {
            message,
            retryable: false,
            until_deadline: false,
        }
    }

    fn from_guest(error: GuestError) -> Self {
        let until_deadline = matches!(error, GuestError::NotYetValid(_));
        let (kind, message, retryable) = match error {
            GuestError::InvalidSecret(message) => ("invalid secret", message, false),
            GuestError::Denied(message) => ("denied", message, false),
            GuestError::Unavailable(message) => ("unavailable", message, true),
            GuestError::NotYetValid(message) => ("not yet valid", message, true),
            GuestError::Conflict(message) => ("conflict", message, false),
            GuestError::Other(message) => ("failed", message, false),
        };
        Self {
            message: format!("{kind}: {message}"),
            retryable,
            until_deadline,
        }
    }
}
