//! UpdateSecretVersionStage.

use super::labels::moves_for_stage_update;
use super::service::{
    MAX_WRITE_ATTEMPTS, SecretsService, is_retryable, label_state, retry_pause, now, version_ids,
};
use super::write::abandoned_rotation;
use super::{SecretRef, SecretsError};
use crate::store::VersionChange;

impl SecretsService {
    /// UpdateSecretVersionStage: moves `stage` to `move_to`, removes it from
    /// `remove_from`, or both. Moving AWSCURRENT also moves AWSPREVIOUS to the
    /// version AWSCURRENT left; the target keeps any AWSPENDING it had.
    pub async fn update_secret_version_stage(
        &self,
        secret_id: &str,
        stage: &str,
        move_to: Option<&str>,
        remove_from: Option<&str>,
    ) -> Result<SecretRef, SecretsError> {
        let secret = self.find_active(secret_id).await?;
        let secret_ref = SecretRef {
            id: secret.id,
            arn: secret.arn.clone(),
            name: secret.name.clone(),
        };

        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let versions = self.store.list_versions(secret.id).await?;
            let state = label_state(&versions);
            let moves = moves_for_stage_update(
                &state,
                &version_ids(&versions),
                stage,
                move_to,
                remove_from,
            )?;
            if moves.is_empty() {
                return Ok(secret_ref);
            }

            let mut change = VersionChange::new(secret.id, now());
            change.abandon_rotation = abandoned_rotation(&state, &moves);
            change.label_moves = moves;
            change.touch_changed = true;
            match self.store.apply_version_change(change).await {
                Ok(()) => return Ok(secret_ref),
                Err(err) if is_retryable(&err) => {
                    retry_pause(attempt).await;
                    continue;
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(super::write::too_much_contention())
    }
}
