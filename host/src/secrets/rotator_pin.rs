//! The rotator digest pinned on a rotation, and store access for the rotator
//! registry.

use std::sync::Arc;

use super::{SecretsError, SecretsService};
use crate::store::Store;

impl SecretsService {
    /// The store behind this service. The rotator registry reads installed
    /// rotators from it, so every process on one database sees the same set.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Records `sha256` as the digest of the rotator that runs rotation
    /// `token`, unless an earlier run recorded one, and returns the recorded
    /// digest.
    pub async fn pin_rotator(
        &self,
        secret_id: &str,
        token: &str,
        sha256: &str,
    ) -> Result<String, SecretsError> {
        let secret = self.find(secret_id).await?;
        Ok(self
            .store
            .pin_rotation_rotator(secret.id, token, sha256)
            .await?)
    }
}
