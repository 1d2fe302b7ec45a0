//! The checks that call steps with events the rotator must reject: a token
//! that is not the AWSPENDING version, and a version whose AWSPENDING label
//! was removed.

use super::checks::{run_step, start};
use super::runner::{Harness, describe_rotation_error};
use super::report::{Check, CheckResult};
use super::snapshot::{Snapshot, resting_problems};
use crate::rotation::{RotationEngine, STEPS, StartedRotation, StepName};

const AWSPENDING: &str = "AWSPENDING";
const AWSPREVIOUS: &str = "AWSPREVIOUS";

impl Harness {
    /// Starts a rotation and runs createSecret, then calls every step with a
    /// token that names no version and with the AWSPREVIOUS version's id.
    /// Every call must fail and change nothing. The rotation then finishes
    /// with its own token.
    pub(super) async fn wrong_token(&self) -> Result<CheckResult, String> {
        let engine = self.engine()?;
        let started = start(&engine, self.request(None)).await?;
        run_step(&engine, &started, StepName::CreateSecret, "").await?;
        let before = self.snapshot().await?;

        let mut tokens = vec![(uuid::Uuid::new_v4().to_string(), "an unknown version id")];
        if let Some(previous) = before.versions_with(AWSPREVIOUS).first() {
            tokens.push((previous.to_string(), "the AWSPREVIOUS version id"));
        }
        let mut problems = Vec::new();
        for (token, description) in &tokens {
            let mut forged = started.clone();
            forged.start.version_id = token.clone();
            problems.extend(accepted_steps(&engine, &forged, description).await?);
        }
        problems.extend(self.unchanged_problems(&before).await?);

        for step in &STEPS[1..] {
            if let Err(error) = run_step(&engine, &started, *step, "after the rejected calls, ").await {
                problems.push(error);
                return Ok(CheckResult::fail(Check::WrongToken, problems.join("; ")));
            }
        }
        engine
            .complete(&started)
            .await
            .map_err(|error| describe_rotation_error(&error))?;
        let summary = format!("every step rejected {} wrong token(s)", tokens.len());
        let result = self
            .rotation_result(Check::WrongToken, &before, &started.start.version_id, &summary)
            .await?;
        if problems.is_empty() {
            return Ok(result);
        }
        if !result.passed {
            problems.push(result.reason);
        }
        Ok(CheckResult::fail(Check::WrongToken, problems.join("; ")))
    }

    /// Starts a rotation, runs createSecret, removes AWSPENDING from the new
    /// version, and calls every step with its token. Every call must fail
    /// and change nothing.
    pub(super) async fn missing_pending(&self) -> Result<CheckResult, String> {
        let engine = self.engine()?;
        let started = start(&engine, self.request(None)).await?;
        run_step(&engine, &started, StepName::CreateSecret, "").await?;
        let token = &started.start.version_id;
        self.sandbox
            .secrets()
            .update_secret_version_stage(&self.secret_arn, AWSPENDING, None, Some(token))
            .await
            .map_err(|error| format!("removing AWSPENDING from {token} failed: {error}"))?;
        let before = self.snapshot().await?;

        let mut problems = accepted_steps(&engine, &started, "a version without AWSPENDING").await?;
        problems.extend(self.unchanged_problems(&before).await?);
        Ok(CheckResult::from_problems(
            Check::MissingPending,
            problems,
            "every step rejected the version without AWSPENDING; nothing changed",
        ))
    }

    /// Returns the problems when the secret differs from `before`, breaks
    /// the resting rules, or AWSCURRENT's credentials stopped working.
    async fn unchanged_problems(&self, before: &Snapshot) -> Result<Vec<String>, String> {
        let after = self.snapshot().await?;
        let mut problems = Vec::new();
        if let Some(change) = after.describe_change(before) {
            problems.push(format!("the rejected calls changed the secret: {change}"));
        }
        problems.extend(resting_problems(&after));
        if let Err(problem) = self.check_current_credentials().await {
            problems.push(format!("after the rejected calls, {problem}"));
        }
        Ok(problems)
    }
}

/// Calls every step once with `started`'s event and returns a problem for
/// each step that succeeded.
async fn accepted_steps(
    engine: &RotationEngine,
    started: &StartedRotation,
    description: &str,
) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for step in STEPS {
        let outcome = engine
            .probe_step(started, step)
            .await
            .map_err(|error| describe_rotation_error(&error))?;
        if outcome.is_ok() {
            problems.push(format!("{step} accepted {description} as its token"));
        }
    }
    Ok(problems)
}
