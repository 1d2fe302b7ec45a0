//! Rotation support for the rotation engine: start or resume a rotation,
//! record step progress, and finish or fail it.

use super::labels::{AWSCURRENT, AWSPENDING};
use super::service::{MAX_WRITE_ATTEMPTS, SecretsService, is_retryable, label_state, retry_pause, now};
use super::validate::{token_or_new, validate_token};
use super::write::too_much_contention;
use super::{RotationConfig, RotationProgress, RotationStart, SecretsError};
use crate::store::{
    AbandonRotation, LabelMove, NewRotation, NewVersion, RotationConfigRecord, RotationRecord, RotationStatus,
    RotationUpdate, SecretRecord, VersionChange,
};

/// The four rotation steps, in the order they run.
pub const ROTATION_STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

/// Maximum length, in characters, of the error text kept on a rotation row.
const MAX_ERROR_LEN: usize = 4096;

impl SecretsService {
    /// Starts a rotation, or resumes the unfinished one whose token is given.
    ///
    /// In one transaction it stores `config` (or uses the stored one), creates
    /// version `token` labelled AWSPENDING with no value, and records progress
    /// with `createSecret` as the next step. AWSPENDING on the AWSCURRENT
    /// version is moved; AWSPENDING on another version means a previous
    /// rotation is unfinished, and only its own token may resume it.
    pub async fn begin_rotation(
        &self,
        secret_id: &str,
        token: Option<&str>,
        config: Option<RotationConfig>,
    ) -> Result<RotationStart, SecretsError> {
        if let Some(token) = token {
            validate_token(token)?;
        }
        let secret = self.find_active(secret_id).await?;
        let config = match config {
            Some(config) => config,
            None => stored_config(&secret).ok_or_else(|| {
                SecretsError::InvalidRequest(
                    "No Lambda rotation function ARN is associated with this secret.".into(),
                )
            })?,
        };

        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let versions = self.store.list_versions(secret.id).await?;
            let state = label_state(&versions);
            let pending = state.get(AWSPENDING);
            if let Some(pending) = pending.filter(|p| state.get(AWSCURRENT) != Some(*p)) {
                if token == Some(pending.as_str()) {
                    return self.resume_rotation(&secret, pending, &config).await;
                }
                return Err(SecretsError::InvalidRequest(
                    "A previous rotation isn't complete. That rotation will be reattempted.".into(),
                ));
            }

            // finishSecret already moved AWSCURRENT to this rotation's
            // version, but the process stopped before the rotation was
            // marked finished: resuming it only completes the bookkeeping.
            if let Some(token) = token
                && state.get(AWSCURRENT).map(String::as_str) == Some(token)
                && let Some(record) = self.store.get_rotation(secret.id, token).await?
                && matches!(record.status, RotationStatus::InProgress | RotationStatus::Failed)
            {
                return self.resume_rotation(&secret, token, &config).await;
            }

            let token = token_or_new(token)?;
            if versions.iter().any(|v| v.version_id == token) {
                return Err(SecretsError::token_in_use(&token, &secret.arn));
            }

            let at = now();
            let mut change = VersionChange::new(secret.id, at);
            change.new_version = Some(NewVersion {
                version_id: token.clone(),
                created_at: at,
                value: None,
            });
            change.label_moves = vec![LabelMove::new(
                AWSPENDING,
                pending.cloned(),
                Some(token.clone()),
            )];
            change.rotation_config = Some(RotationConfigRecord {
                enabled: true,
                rotator: config.rotator.clone(),
                settings: config.settings.clone(),
            });
            change.begin_rotation = Some(NewRotation {
                token: token.clone(),
                rotator: config.rotator.clone(),
                next_step: ROTATION_STEPS[0].to_owned(),
            });
            match self.store.apply_version_change(change).await {
                Ok(()) => {
                    tracing::info!(secret_arn = %secret.arn, version_id = %token, rotator = %config.rotator, "rotation started");
                    return Ok(RotationStart {
                        arn: secret.arn.clone(),
                        name: secret.name.clone(),
                        version_id: token,
                        rotator: config.rotator,
                        settings: config.settings,
                        resumed: false,
                        completed_steps: Vec::new(),
                        next_step: Some(ROTATION_STEPS[0].to_owned()),
                    });
                }
                Err(err) if is_retryable(&err) => {
                    retry_pause(attempt).await;
                    continue;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(too_much_contention())
    }

    async fn resume_rotation(
        &self,
        secret: &SecretRecord,
        token: &str,
        config: &RotationConfig,
    ) -> Result<RotationStart, SecretsError> {
        let record = match self.store.get_rotation(secret.id, token).await? {
            Some(record) => {
                let mut update = RotationUpdate::new(secret.id, token, now());
                update.status = Some(RotationStatus::InProgress);
                update.new_attempt = true;
                self.store.update_rotation(update).await?;
                record
            }
            None => {
                // AWSPENDING was put on this version by PutSecretValue or
                // UpdateSecretVersionStage, not by a rotation: start tracking it.
                let mut change = VersionChange::new(secret.id, now());
                change.begin_rotation = Some(NewRotation {
                    token: token.to_owned(),
                    rotator: config.rotator.clone(),
                    next_step: ROTATION_STEPS[0].to_owned(),
                });
                self.store.apply_version_change(change).await?;
                self.store
                    .get_rotation(secret.id, token)
                    .await?
                    .ok_or_else(|| SecretsError::Internal("rotation row vanished".into()))?
            }
        };
        tracing::info!(secret_arn = %secret.arn, version_id = %token, rotator = %record.rotator, "rotation resumed");
        // NOTE: a resumed rotation keeps the rotator it started with; settings
        // come from the secret's stored configuration.
        Ok(RotationStart {
            arn: secret.arn.clone(),
            name: secret.name.clone(),
            version_id: token.to_owned(),
            rotator: record.rotator,
            settings: stored_config(secret)
                .map(|c| c.settings)
                .unwrap_or_else(|| config.settings.clone()),
            resumed: true,
            completed_steps: record.completed_steps,
            next_step: record.next_step,
        })
    }

    /// Records that `completed_step` of rotation `token` finished.
    pub async fn record_rotation_step(
        &self,
        secret_id: &str,
        token: &str,
        completed_step: &str,
    ) -> Result<(), SecretsError> {
        let index = step_index(completed_step)?;
        let secret = self.find(secret_id).await?;
        self.rotation_record(&secret, token).await?;
        let mut update = RotationUpdate::new(secret.id, token, now());
        update.completed_step = Some(completed_step.to_owned());
        update.next_step = Some(ROTATION_STEPS.get(index + 1).map(|s| (*s).to_owned()));
        update.last_error = Some(None);
        self.store.update_rotation(update).await?;
        Ok(())
    }

    /// Marks rotation `token` failed at `step`. AWSPENDING stays on its
    /// version and AWSCURRENT is untouched, as in AWS; the same token resumes
    /// the rotation at `step`.
    pub async fn fail_rotation(
        &self,
        secret_id: &str,
        token: &str,
        step: &str,
        message: &str,
    ) -> Result<(), SecretsError> {
        step_index(step)?;
        let secret = self.find(secret_id).await?;
        self.rotation_record(&secret, token).await?;
        let text: String = format!("{step}: {message}")
            .chars()
            .take(MAX_ERROR_LEN)
            .collect();
        let mut update = RotationUpdate::new(secret.id, token, now());
        update.status = Some(RotationStatus::Failed);
        update.next_step = Some(Some(step.to_owned()));
        update.last_error = Some(Some(text));
        self.store.update_rotation(update).await?;
        tracing::warn!(secret_arn = %secret.arn, version_id = %token, step, "rotation failed");
        Ok(())
    }

    /// Withdraws rotation `token` after createSecret failed before putting a
    /// value. AWSPENDING is removed from the empty version and the rotation
    /// is marked abandoned, so the secret's labels are as they were before
    /// the rotation started. Returns `false`, changing nothing, when the version
    /// already contains a value, because such a rotation must be resumed instead.
    pub async fn withdraw_rotation(
        &self,
        secret_id: &str,
        token: &str,
        message: &str,
    ) -> Result<bool, SecretsError> {
        let secret = self.find(secret_id).await?;
        let versions = self.store.list_versions(secret.id).await?;
        let Some(version) = versions.iter().find(|v| v.version_id == token) else {
            return Ok(false);
        };
        let state = label_state(&versions);
        if version.value.is_some() || state.get(AWSPENDING).map(String::as_str) != Some(token) {
            return Ok(false);
        }
        let mut change = VersionChange::new(secret.id, now());
        change.label_moves.push(LabelMove::new(AWSPENDING, Some(token.to_owned()), None));
        change.abandon_rotation = Some(AbandonRotation {
            token: token.to_owned(),
            message: message.chars().take(MAX_ERROR_LEN).collect(),
        });
        self.store.apply_version_change(change).await?;
        tracing::warn!(secret_arn = %secret.arn, version_id = %token, "rotation withdrawn before a value was created");
        Ok(true)
    }

    /// Marks rotation `token` succeeded and sets LastRotatedDate to now.
    pub async fn finish_rotation(&self, secret_id: &str, token: &str) -> Result<(), SecretsError> {
        let secret = self.find(secret_id).await?;
        self.rotation_record(&secret, token).await?;
        let mut update = RotationUpdate::new(secret.id, token, now());
        update.status = Some(RotationStatus::Succeeded);
        update.next_step = Some(None);
        update.last_error = Some(None);
        update.set_last_rotated = true;
        self.store.update_rotation(update).await?;
        self.reschedule_after_change(&secret, false).await?;
        tracing::info!(secret_arn = %secret.arn, version_id = %token, "rotation succeeded");
        Ok(())
    }

    /// Progress of the most recently started rotation, if any.
    pub async fn rotation_status(
        &self,
        secret_id: &str,
    ) -> Result<Option<RotationProgress>, SecretsError> {
        let secret = self.find(secret_id).await?;
        Ok(self
            .store
            .latest_rotation(secret.id)
            .await?
            .map(progress_from_record))
    }

    /// Loads a rotation that may still record progress. An abandoned
    /// rotation is rejected so that the engine stops running its steps.
    async fn rotation_record(
        &self,
        secret: &SecretRecord,
        token: &str,
    ) -> Result<RotationRecord, SecretsError> {
        let record = self
            .store
            .get_rotation(secret.id, token)
            .await?
            .ok_or_else(|| {
                SecretsError::ResourceNotFound(format!(
                    "Secret {} has no rotation with token {token}.",
                    secret.arn
                ))
            })?;
        if record.status == RotationStatus::Abandoned {
            return Err(SecretsError::InvalidRequest(format!(
                "The rotation of secret {} with token {token} was abandoned because a newer \
                 version replaced its AWSPENDING version or the rotation was cancelled.",
                secret.arn
            )));
        }
        Ok(record)
    }
}

fn stored_config(secret: &SecretRecord) -> Option<RotationConfig> {
    let rotator = secret.rotation_lambda_arn.clone()?;
    Some(RotationConfig {
        rotator,
        settings: secret.rotation_settings.clone(),
    })
}

fn step_index(step: &str) -> Result<usize, SecretsError> {
    ROTATION_STEPS.iter().position(|s| *s == step).ok_or_else(|| {
        SecretsError::InvalidParameter(format!(
            "Unknown rotation step {step}; expected one of createSecret, setSecret, testSecret, \
             finishSecret."
        ))
    })
}

fn progress_from_record(record: RotationRecord) -> RotationProgress {
    RotationProgress {
        token: record.token,
        rotator: record.rotator,
        status: record.status,
        next_step: record.next_step,
        completed_steps: record.completed_steps,
        last_error: record.last_error,
        attempts: record.attempts,
        started_at: record.started_at,
        updated_at: record.updated_at,
    }
}
