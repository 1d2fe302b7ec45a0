//! GetSecretValue, DescribeSecret, ListSecrets and ListSecretVersionIds.

use std::sync::Arc;

use super::describe::start_of_day;
use super::labels::{AWSCURRENT, validate_label};
use super::service::{SecretsService, now};
use super::validate::validate_token;
use super::{ResourceContext, SecretDescription, SecretValueOutput, SecretsError, VersionListEntry};
use crate::store::{ChangeMarker, SecretRecord, VersionRecord};

/// `KmsKeyIds` entry AWS reports for versions under the default key.
const DEFAULT_KMS_KEY_ID: &str = "DefaultEncryptionKey";

impl SecretsService {
    /// GetSecretValue by version id, staging label (default AWSCURRENT), or
    /// both. A version without a value (a rotation placeholder) is
    /// ResourceNotFoundException.
    pub async fn get_secret_value(
        &self,
        secret_id: &str,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<SecretValueOutput, SecretsError> {
        let marker = self.store.change_marker();
        self.get_secret_value_at(marker, secret_id, version_id, version_stage)
            .await
    }

    /// [`Self::get_secret_value`] with cached reads checked against `marker`
    /// from [`Self::change_marker`].
    pub async fn get_secret_value_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: &str,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<SecretValueOutput, SecretsError> {
        if let Some(version_id) = version_id {
            validate_token(version_id).map_err(|_| version_id_invalid())?;
        }
        if let Some(stage) = version_stage {
            validate_label(stage)?;
        }
        let secret = self.find_active_at(marker, secret_id).await?;
        let version = self
            .select_version(marker, &secret, version_id, version_stage)
            .await?;

        let Some(stored) = &version.value else {
            return Err(match (version_id, version_stage) {
                (Some(id), None) => SecretsError::version_not_found(id),
                (_, stage) => SecretsError::stage_not_found(stage.unwrap_or(AWSCURRENT)),
            });
        };
        let value = self.open_value(&secret, &version.version_id, stored)?;
        self.record_access(&secret, &version).await;

        Ok(SecretValueOutput {
            arn: secret.arn,
            name: secret.name,
            version_id: version.version_id,
            value,
            version_stages: version.labels,
            created_date: version.created_at,
        })
    }

    async fn select_version(
        &self,
        marker: Option<ChangeMarker>,
        secret: &SecretRecord,
        version_id: Option<&str>,
        version_stage: Option<&str>,
    ) -> Result<VersionRecord, SecretsError> {
        if let Some(version_id) = version_id {
            let version = self
                .store
                .get_version(secret.id, version_id)
                .await?
                .ok_or_else(|| SecretsError::version_not_found(version_id))?;
            if let Some(stage) = version_stage
                && !version.labels.iter().any(|l| l == stage)
            {
                return Err(SecretsError::InvalidRequest(
                    "You provided a VersionStage that is not associated to the provided \
                         VersionId."
                        .into(),
                ));
            }
            return Ok(version);
        }
        let stage = version_stage.unwrap_or(AWSCURRENT);
        let versions = self.versions_at(marker, secret.id).await?;
        versions
            .iter()
            .find(|v| v.labels.iter().any(|l| l == stage))
            .cloned()
            .ok_or_else(|| SecretsError::stage_not_found(stage))
    }

    /// Updates the last-accessed dates unless both already fall on today
    /// (UTC), because AWS reports them per day. A store failure is logged and
    /// does not fail the read.
    async fn record_access(&self, secret: &SecretRecord, version: &VersionRecord) {
        let at = now();
        let today = start_of_day(at);
        let fresh =
            |date: Option<time::OffsetDateTime>| date.is_some_and(|d| start_of_day(d) == today);
        if fresh(secret.last_accessed_at) && fresh(version.last_accessed_at) {
            return;
        }
        if let Err(err) = self
            .store
            .touch_accessed(secret.id, &version.version_id, at)
            .await
        {
            tracing::warn!(secret_arn = %secret.arn, error = %err, "failed to record access date");
        }
    }

    /// DescribeSecret; works on secrets scheduled for deletion too.
    pub async fn describe_secret(
        &self,
        secret_id: &str,
    ) -> Result<SecretDescription, SecretsError> {
        self.describe_secret_at(self.store.change_marker(), secret_id)
            .await
    }

    /// [`Self::describe_secret`] with cached reads checked against `marker`
    /// from [`Self::change_marker`].
    pub async fn describe_secret_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: &str,
    ) -> Result<SecretDescription, SecretsError> {
        let secret = self.find_at(marker, secret_id).await?;
        let versions = self.versions_at(marker, secret.id).await?;
        let tags = self.tags_at(marker, &secret).await?;
        Ok(SecretDescription::from_records(&secret, &versions, &tags))
    }

    /// Reads what authorizing an action on a secret needs: its ARN, name,
    /// tags and resource policy. Works on secrets scheduled for deletion
    /// too.
    pub async fn resource_context_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: &str,
    ) -> Result<ResourceContext, SecretsError> {
        let secret = self.find_at(marker, secret_id).await?;
        let tags = self
            .tags_at(marker, &secret)
            .await?
            .iter()
            .map(|tag| (tag.key.clone(), tag.value.clone()))
            .collect();
        let resource_policy = self.resource_policy_at(marker, secret.id).await?;
        Ok(ResourceContext {
            arn: secret.arn,
            name: secret.name,
            tags,
            resource_policy,
        })
    }

    /// ListSecrets without secrets scheduled for deletion, sorted by name.
    pub async fn list_secrets(&self) -> Result<Vec<SecretDescription>, SecretsError> {
        self.list_secrets_including(false).await
    }

    /// ListSecrets; `include_planned_deletion` also lists secrets scheduled
    /// for deletion.
    pub async fn list_secrets_including(
        &self,
        include_planned_deletion: bool,
    ) -> Result<Vec<SecretDescription>, SecretsError> {
        let marker = self.store.change_marker();
        let listed = self
            .cache
            .listings
            .get_or_load(marker, include_planned_deletion, || async {
                self.load_listing(include_planned_deletion).await.map(Arc::new)
            })
            .await?;
        Ok(listed.as_ref().clone())
    }

    async fn load_listing(
        &self,
        include_planned_deletion: bool,
    ) -> Result<Vec<SecretDescription>, SecretsError> {
        let secrets = self.store.list_secrets().await?;
        let mut versions = self.store.list_all_versions().await?;
        let mut tags = self.store.list_all_tags().await?;
        let mut descriptions = Vec::with_capacity(secrets.len());
        for secret in secrets {
            if secret.deleted_at.is_some() && !include_planned_deletion {
                continue;
            }
            let secret_versions = versions.remove(&secret.id).unwrap_or_default();
            let secret_tags = if secret.tags_set {
                tags.remove(&secret.id).unwrap_or_default()
            } else {
                Vec::new()
            };
            descriptions.push(SecretDescription::from_records(&secret, &secret_versions, &secret_tags));
        }
        Ok(descriptions)
    }

    /// ListSecretVersionIds, oldest version first. Deprecated (unlabelled)
    /// versions appear only with `include_deprecated`, without stages.
    pub async fn list_secret_version_ids(
        &self,
        secret_id: &str,
        include_deprecated: bool,
    ) -> Result<Vec<VersionListEntry>, SecretsError> {
        let secret = self.find(secret_id).await?;
        let versions = self.store.list_versions(secret.id).await?;
        Ok(versions
            .into_iter()
            .filter(|v| include_deprecated || !v.labels.is_empty())
            .map(|v| VersionListEntry {
                kms_key_ids: vec![self.reported_key_id(&secret, &v)],
                version_stages: (!v.labels.is_empty()).then_some(v.labels),
                version_id: v.version_id,
                last_accessed_date: v.last_accessed_at.map(start_of_day),
                created_date: v.created_at,
            })
            .collect())
    }
}

impl SecretsService {
    /// The key reported in `KmsKeyIds`: the literal `DefaultEncryptionKey`
    /// for the default key, otherwise the key that wraps the version.
    fn reported_key_id(&self, secret: &SecretRecord, version: &VersionRecord) -> String {
        let key_id = match &version.value {
            Some(stored) => stored.sealed.key_id.clone(),
            None => match &secret.kms_key_id {
                Some(key) => key.clone(),
                None => return DEFAULT_KMS_KEY_ID.to_owned(),
            },
        };
        if key_id == self.keyring.default_key_id() && secret.kms_key_id.is_none() {
            return DEFAULT_KMS_KEY_ID.to_owned();
        }
        key_id
    }
}

fn version_id_invalid() -> SecretsError {
    SecretsError::Validation(
        "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member \
         must have length between 32 and 64"
            .into(),
    )
}
