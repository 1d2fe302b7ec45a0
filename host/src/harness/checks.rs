//! The checks that rotate the secret: once, with every step replayed, and
//! with a new engine after every step.

use super::runner::{Harness, describe_rotation_error};
use super::report::{Check, CheckResult};
use super::snapshot::{Snapshot, rotation_problems};
use crate::rotation::{QuietObserver, RotationEngine, STEPS, StartedRotation, StepName};

impl Harness {
    /// Runs the four steps once with [`RotationEngine::rotate`].
    pub(super) async fn full_rotation(&self) -> Result<CheckResult, String> {
        let before = self.snapshot().await?;
        let engine = self.engine()?;
        let report = engine
            .rotate(self.request(None), &QuietObserver)
            .await
            .map_err(|error| describe_rotation_error(&error))?;
        self.rotation_result(Check::FullRotation, &before, &report.version_id, "rotated once")
            .await
    }

    /// Runs every step twice in a row, as a host does when a step's
    /// response is lost and the call is retried.
    pub(super) async fn idempotency(&self) -> Result<CheckResult, String> {
        let before = self.snapshot().await?;
        let engine = self.engine()?;
        let started = start(&engine, self.request(None)).await?;
        for step in STEPS {
            run_step(&engine, &started, step, "").await?;
            run_step(&engine, &started, step, "repeating ").await?;
        }
        engine
            .complete(&started)
            .await
            .map_err(|error| describe_rotation_error(&error))?;
        let token = &started.start.version_id;
        self.rotation_result(Check::Idempotency, &before, token, "every step ran twice")
            .await
    }

    /// Stops after each step, builds a new engine (a new wasmtime engine
    /// and registry, the component compiled again) and resumes with the
    /// same token, as a restarted host does.
    pub(super) async fn restart(&self) -> Result<CheckResult, String> {
        let before = self.snapshot().await?;
        let mut engine = self.engine()?;
        let mut started = start(&engine, self.request(None)).await?;
        let token = started.start.version_id.clone();
        run_step(&engine, &started, StepName::CreateSecret, "").await?;

        let mut finished = vec![StepName::CreateSecret.aws_name().to_string()];
        for step in &STEPS[1..] {
            engine = self.engine()?;
            started = start(&engine, self.request(Some(token.clone()))).await?;
            if !started.start.resumed {
                return Err(format!("the new engine did not resume rotation {token}"));
            }
            if started.start.completed_steps != finished {
                return Err(format!(
                    "the new engine found finished steps [{}], expected [{}]",
                    started.start.completed_steps.join(", "),
                    finished.join(", ")
                ));
            }
            run_step(&engine, &started, *step, "after a restart, ").await?;
            finished.push(step.aws_name().to_string());
        }
        engine
            .complete(&started)
            .await
            .map_err(|error| describe_rotation_error(&error))?;
        self.rotation_result(Check::Restart, &before, &token, "resumed after each of 3 restarts")
            .await
    }

    /// Checks the labels and AWSCURRENT's credentials after a rotation with
    /// `token` that started from `before`.
    pub(super) async fn rotation_result(
        &self,
        check: Check,
        before: &Snapshot,
        token: &str,
        summary: &str,
    ) -> Result<CheckResult, String> {
        let after = self.snapshot().await?;
        let mut problems = rotation_problems(before, &after, token);
        let note = match self.check_current_credentials().await {
            Ok(note) => note,
            Err(problem) => {
                problems.push(problem);
                String::new()
            }
        };
        Ok(CheckResult::from_problems(check, problems, format!("{summary}; labels correct; {note}")))
    }
}

/// Starts (or resumes) a rotation and describes a failure.
pub(super) async fn start(
    engine: &RotationEngine,
    request: crate::rotation::RotateRequest,
) -> Result<StartedRotation, String> {
    engine
        .start(request)
        .await
        .map_err(|error| format!("starting the rotation failed: {}", describe_rotation_error(&error)))
}

/// Runs one step; `context` prefixes the failure, such as `"repeating "`.
pub(super) async fn run_step(
    engine: &RotationEngine,
    started: &StartedRotation,
    step: StepName,
    context: &str,
) -> Result<(), String> {
    engine
        .run_step(started, step, &QuietObserver)
        .await
        .map(|_| ())
        .map_err(|error| format!("{context}{}", describe_rotation_error(&error)))
}
