//! Storing a rotation configuration without starting a rotation, for
//! RotateSecret with `RotateImmediately=false`.

use super::labels::{AWSCURRENT, AWSPENDING};
use super::service::{SecretsService, label_state, now};
use super::{RotationConfig, SecretRef, SecretsError};
use crate::store::{RotationConfigRecord, VersionChange};

impl SecretsService {
    /// Turns rotation on with `config` (or with the stored rotator and
    /// settings when `config` is `None`) and starts nothing. Fails like
    /// [`begin_rotation`](SecretsService::begin_rotation) when no rotator is
    /// known or when a previous rotation is unfinished.
    pub async fn configure_rotation(
        &self,
        secret_id: &str,
        config: Option<RotationConfig>,
    ) -> Result<SecretRef, SecretsError> {
        let secret = self.find_active(secret_id).await?;
        let (rotator, settings) = match config {
            Some(config) => (config.rotator, config.settings),
            None => match &secret.rotation_lambda_arn {
                Some(rotator) => (rotator.clone(), secret.rotation_settings.clone()),
                None => {
                    return Err(SecretsError::InvalidRequest(
                        "No Lambda rotation function ARN is associated with this secret.".into(),
                    ));
                }
            },
        };

        let state = label_state(&self.store.list_versions(secret.id).await?);
        if let Some(pending) = state.get(AWSPENDING)
            && state.get(AWSCURRENT) != Some(pending)
        {
            return Err(SecretsError::InvalidRequest(
                "A previous rotation isn't complete. That rotation will be reattempted.".into(),
            ));
        }

        let mut change = VersionChange::new(secret.id, now());
        change.rotation_config = Some(RotationConfigRecord {
            enabled: true,
            rotator: rotator.clone(),
            settings,
        });
        self.store.apply_version_change(change).await?;
        tracing::info!(secret_arn = %secret.arn, rotator = %rotator, "rotation configured");
        Ok(SecretRef {
            id: secret.id,
            arn: secret.arn,
            name: secret.name,
        })
    }

    /// Returns the rotator and settings stored on a secret, if rotation was ever
    /// configured.
    pub async fn rotation_config(
        &self,
        secret_id: &str,
    ) -> Result<Option<RotationConfig>, SecretsError> {
        let secret = self.find(secret_id).await?;
        Ok(secret.rotation_lambda_arn.map(|rotator| RotationConfig {
            rotator,
            settings: secret.rotation_settings,
        }))
    }
}
