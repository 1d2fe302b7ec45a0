//! Resource policies: PutResourcePolicy, GetResourcePolicy and
//! DeleteResourcePolicy. The document is stored as given; checking its
//! syntax and whether it grants public access is the API layer's job.

use super::service::{SecretsService, now};
use super::{SecretRef, SecretsError};
use crate::store::ChangeMarker;

/// Maximum length of a resource policy document (AWS `NonEmptyResourcePolicyType`).
pub const MAX_RESOURCE_POLICY_LEN: usize = 20_480;

/// Result of GetResourcePolicy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicyOutput {
    pub arn: String,
    pub name: String,
    /// `None` when no policy is attached.
    pub resource_policy: Option<String>,
}

impl SecretsService {
    /// GetResourcePolicy; works on secrets scheduled for deletion too.
    pub async fn get_resource_policy(
        &self,
        secret_id: &str,
    ) -> Result<ResourcePolicyOutput, SecretsError> {
        let marker = self.store.change_marker();
        let secret = self.find_at(marker, secret_id).await?;
        let resource_policy = self.resource_policy_at(marker, secret.id).await?;
        Ok(ResourcePolicyOutput {
            arn: secret.arn,
            name: secret.name,
            resource_policy,
        })
    }

    /// Returns the policy attached to the secret with row id `secret_id`,
    /// with the cache checked against `marker`.
    pub(super) async fn resource_policy_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: i64,
    ) -> Result<Option<String>, SecretsError> {
        let policy = self
            .cache
            .policies
            .get_or_load(marker, secret_id, || self.store.get_resource_policy(secret_id))
            .await?;
        Ok(policy)
    }

    /// PutResourcePolicy: attaches `policy`, replacing any attached one.
    pub async fn put_resource_policy(
        &self,
        secret_id: &str,
        policy: &str,
    ) -> Result<SecretRef, SecretsError> {
        validate_policy_length(policy)?;
        let secret = self.find_active(secret_id).await?;
        self.store
            .set_resource_policy(secret.id, Some(policy), now())
            .await?;
        tracing::info!(secret_arn = %secret.arn, "resource policy attached");
        Ok(SecretRef {
            id: secret.id,
            arn: secret.arn,
            name: secret.name,
        })
    }

    /// DeleteResourcePolicy: removes the attached policy; succeeds when none
    /// is attached.
    pub async fn delete_resource_policy(&self, secret_id: &str) -> Result<SecretRef, SecretsError> {
        let secret = self.find_active(secret_id).await?;
        self.store
            .set_resource_policy(secret.id, None, now())
            .await?;
        tracing::info!(secret_arn = %secret.arn, "resource policy removed");
        Ok(SecretRef {
            id: secret.id,
            arn: secret.arn,
            name: secret.name,
        })
    }
}

/// Checks the model limit of `ResourcePolicy`: 1 to 20,480 characters.
pub fn validate_policy_length(policy: &str) -> Result<(), SecretsError> {
    let len = policy.chars().count();
    if len == 0 || len > MAX_RESOURCE_POLICY_LEN {
        return Err(SecretsError::Validation(format!(
            "1 validation error detected: Value at 'resourcePolicy' failed to satisfy constraint: \
             Member must have length between 1 and {MAX_RESOURCE_POLICY_LEN}"
        )));
    }
    Ok(())
}
