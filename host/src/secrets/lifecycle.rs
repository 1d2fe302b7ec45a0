//! DeleteSecret, RestoreSecret, TagResource, UntagResource, CancelRotateSecret
//! and the rotation schedule fields.

use time::{Duration, OffsetDateTime};

use super::labels::{AWSCURRENT, AWSPENDING};
use super::name::validate_secret_id;
use super::service::{SecretsService, label_state, now};
use super::validate::validate_tags;
use super::{SecretRef, SecretsError, Tag};
use crate::store::{RotationFieldsUpdate, RotationStatus, RotationUpdate, TagRecord};

/// Recovery window limits and default of DeleteSecret, in days.
const MIN_RECOVERY_DAYS: i64 = 7;
const MAX_RECOVERY_DAYS: i64 = 30;
const DEFAULT_RECOVERY_DAYS: i64 = 30;

/// Result of DeleteSecret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteSecretOutput {
    pub arn: String,
    pub name: String,
    /// When the secret is (or was) deleted permanently.
    pub deletion_date: OffsetDateTime,
}

/// Result of CancelRotateSecret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRotationOutput {
    pub arn: String,
    pub name: String,
    /// The version of the cancelled rotation, if one was in progress.
    pub version_id: Option<String>,
}

impl SecretsService {
    /// DeleteSecret. Without `force` the secret is scheduled for deletion
    /// after the recovery window (7 to 30 days, default 30). With `force` it is
    /// purged at once, and an unknown secret is reported as deleted.
    pub async fn delete_secret(
        &self,
        secret_id: &str,
        recovery_window_in_days: Option<i64>,
        force: bool,
    ) -> Result<DeleteSecretOutput, SecretsError> {
        if let Some(days) = recovery_window_in_days {
            if !(MIN_RECOVERY_DAYS..=MAX_RECOVERY_DAYS).contains(&days) {
                return Err(SecretsError::InvalidParameter(
                    "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."
                        .into(),
                ));
            }
            if force {
                return Err(SecretsError::InvalidParameter(
                    "You can't use ForceDeleteWithoutRecovery in conjunction with \
                     RecoveryWindowInDays."
                        .into(),
                ));
            }
        }
        validate_secret_id(secret_id)?;
        let at = now();

        if force {
            return match self.find(secret_id).await {
                Ok(secret) => {
                    self.store.purge_secret(secret.id).await?;
                    tracing::info!(secret_arn = %secret.arn, "secret deleted without recovery");
                    Ok(DeleteSecretOutput {
                        arn: secret.arn,
                        name: secret.name,
                        deletion_date: at,
                    })
                }
                Err(SecretsError::ResourceNotFound(_)) => Ok(DeleteSecretOutput {
                    arn: self.config.new_arn(secret_id),
                    name: secret_id.to_owned(),
                    deletion_date: at,
                }),
                Err(err) => Err(err),
            };
        }

        let secret = self.find(secret_id).await?;
        if secret.deleted_at.is_some() {
            return Err(SecretsError::InvalidRequest(
                "You tried to perform the operation on a secret that's currently marked deleted."
                    .into(),
            ));
        }
        let days = recovery_window_in_days.unwrap_or(DEFAULT_RECOVERY_DAYS);
        let deletion_date = at + Duration::days(days);
        self.store
            .set_deletion(secret.id, Some((at, deletion_date)))
            .await?;
        tracing::info!(secret_arn = %secret.arn, days, "secret scheduled for deletion");
        Ok(DeleteSecretOutput {
            arn: secret.arn,
            name: secret.name,
            deletion_date,
        })
    }

    /// RestoreSecret: cancels a scheduled deletion; a no-op on other secrets.
    pub async fn restore_secret(&self, secret_id: &str) -> Result<SecretRef, SecretsError> {
        let secret = self.find(secret_id).await?;
        if secret.deleted_at.is_some() {
            self.store.set_deletion(secret.id, None).await?;
        }
        Ok(SecretRef {
            id: secret.id,
            arn: secret.arn,
            name: secret.name,
        })
    }

    /// Purges every secret whose recovery window has ended; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, SecretsError> {
        let at = now();
        let mut purged = 0;
        for secret in self.store.list_secrets().await? {
            if secret.deletion_date.is_some_and(|date| date <= at) {
                self.store.purge_secret(secret.id).await?;
                tracing::info!(secret_arn = %secret.arn, "purged secret after its recovery window");
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// TagResource: adds tags; an existing key gets the new value.
    pub async fn tag_resource(&self, secret_id: &str, tags: &[Tag]) -> Result<(), SecretsError> {
        validate_tags(tags)?;
        let secret = self.find_active(secret_id).await?;
        let records: Vec<TagRecord> = tags
            .iter()
            .map(|t| TagRecord {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect();
        self.store.put_tags(secret.id, &records).await?;
        Ok(())
    }

    /// UntagResource: removes tags by key; unknown keys are ignored.
    pub async fn untag_resource(
        &self,
        secret_id: &str,
        keys: &[String],
    ) -> Result<(), SecretsError> {
        let secret = self.find_active(secret_id).await?;
        self.store.remove_tags(secret.id, keys).await?;
        Ok(())
    }

    /// CancelRotateSecret: turns automatic rotation off and marks an
    /// unfinished rotation abandoned. AWSPENDING stays where it is, as in AWS,
    /// so the caller should remove it before the next rotation.
    pub async fn cancel_rotate_secret(
        &self,
        secret_id: &str,
    ) -> Result<CancelRotationOutput, SecretsError> {
        let secret = self.find_active(secret_id).await?;
        if secret.rotation_lambda_arn.is_none() {
            // NOTE: the AWS message for this case is not recorded.
            return Err(SecretsError::InvalidRequest(format!(
                "Secret {} has no rotation configured.",
                secret.arn
            )));
        }
        self.store
            .update_rotation_fields(
                secret.id,
                RotationFieldsUpdate {
                    enabled: Some(false),
                    ..Default::default()
                },
            )
            .await?;

        let state = label_state(&self.store.list_versions(secret.id).await?);
        let pending = state
            .get(AWSPENDING)
            .filter(|p| state.get(AWSCURRENT) != Some(*p))
            .cloned();
        if let Some(token) = &pending
            && let Some(record) = self.store.get_rotation(secret.id, token).await?
            && matches!(
                record.status,
                RotationStatus::InProgress | RotationStatus::Failed
            )
        {
            let mut update = RotationUpdate::new(secret.id, token, now());
            update.status = Some(RotationStatus::Abandoned);
            update.last_error = Some(Some("rotation cancelled".into()));
            self.store.update_rotation(update).await?;
        }
        Ok(CancelRotationOutput {
            arn: secret.arn,
            name: secret.name,
            version_id: pending,
        })
    }

    /// Stores the rotation rules (JSON, reported as RotationRules) and the
    /// next rotation date computed by the scheduler. `None` leaves a field as
    /// it is.
    pub async fn set_rotation_schedule(
        &self,
        secret_id: &str,
        rules_json: Option<Option<String>>,
        next_rotation: Option<Option<OffsetDateTime>>,
    ) -> Result<(), SecretsError> {
        let secret = self.find_active(secret_id).await?;
        let update = RotationFieldsUpdate {
            enabled: None,
            rules: rules_json,
            next_rotation_at: next_rotation,
        };
        self.store.update_rotation_fields(secret.id, update).await?;
        Ok(())
    }
}
