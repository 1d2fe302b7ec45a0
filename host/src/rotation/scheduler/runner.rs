//! The runner interface that the scheduler calls to rotate one secret.

use std::sync::Arc;

use async_trait::async_trait;

use crate::rotation::{QuietObserver, RotateRequest, RotationEngine, RotationError};

/// Runs one rotation to completion. Tests replace the engine with a runner
/// that counts calls or fails on purpose.
#[async_trait]
pub trait RotationRunner: Send + Sync {
    /// Rotates `secret_arn` with its stored configuration, resuming the
    /// unfinished rotation `token` when given. Returns the new version id, or
    /// an error message that contains no secret value.
    async fn rotate(&self, secret_arn: &str, token: Option<String>) -> Result<String, String>;
}

/// Runs rotations with the four-step engine.
pub struct EngineRunner {
    engine: Arc<RotationEngine>,
}

impl EngineRunner {
    pub fn new(engine: Arc<RotationEngine>) -> Self {
        Self { engine }
    }
}

#[async_trait]
impl RotationRunner for EngineRunner {
    async fn rotate(&self, secret_arn: &str, token: Option<String>) -> Result<String, String> {
        let request = RotateRequest {
            secret_id: secret_arn.to_owned(),
            token,
            ..RotateRequest::default()
        };
        let started = self.engine.start(request).await.map_err(describe)?;
        let report = self.engine.run(started, &QuietObserver).await.map_err(describe)?;
        Ok(report.version_id)
    }
}

/// Describes a failure for events and logs, without the command-line advice
/// that the engine's messages carry.
pub fn describe(error: RotationError) -> String {
    match error {
        RotationError::StepFailed {
            step,
            attempts,
            message,
            ..
        } => format!("{step} failed after {attempts} attempt(s): {message}"),
        RotationError::Withdrawn {
            attempts, message, ..
        } => format!("createSecret failed after {attempts} attempt(s): {message}"),
        other => other.to_string(),
    }
}
