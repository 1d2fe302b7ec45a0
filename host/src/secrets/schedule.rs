//! Rotation rules and next rotation dates stored on secrets, and the claims
//! the scheduler takes on due rotations.

use time::OffsetDateTime;

use super::service::{SecretsService, now};
use super::{SecretRef, SecretsError};
use crate::schedule::RotationRules;
use crate::store::{ClaimRelease, DueRotation, RotationFieldsUpdate, SecretRecord};

impl SecretsService {
    /// Stores `rules` and sets NextRotationDate to the first window after
    /// `anchor` (the time of the rotation that the rules start from).
    pub async fn store_rotation_rules(
        &self,
        secret_id: &str,
        rules: &RotationRules,
        anchor: OffsetDateTime,
    ) -> Result<SecretRef, SecretsError> {
        let secret = self.find_active(secret_id).await?;
        let next = rules.next_start(anchor);
        let update = RotationFieldsUpdate {
            enabled: None,
            rules: Some(Some(rules.to_json())),
            next_rotation_at: Some(next),
        };
        self.store.update_rotation_fields(secret.id, update).await?;
        tracing::info!(
            secret_arn = %secret.arn,
            rules = %rules.to_json(),
            next_rotation = ?next,
            "rotation rules stored"
        );
        Ok(SecretRef {
            id: secret.id,
            arn: secret.arn,
            name: secret.name,
        })
    }

    /// Claims due rotations for the scheduler; see
    /// [`Store::claim_due_rotations`](crate::store::Store::claim_due_rotations).
    pub async fn claim_due_rotations(
        &self,
        at: OffsetDateTime,
        limit: u32,
        owner: &str,
        lease_until: OffsetDateTime,
    ) -> Result<Vec<DueRotation>, SecretsError> {
        Ok(self
            .store
            .claim_due_rotations(at, limit, owner, lease_until)
            .await?)
    }

    /// Gives a claim back with the new schedule state. Returns `false` when
    /// the lease had expired and another scheduler took the secret.
    pub async fn release_rotation_claim(
        &self,
        secret_id: i64,
        owner: &str,
        release: ClaimRelease,
    ) -> Result<bool, SecretsError> {
        Ok(self
            .store
            .release_rotation_claim(secret_id, owner, release)
            .await?)
    }

    /// Moves NextRotationDate after a rotation or, for
    /// `AutomaticallyAfterDays` only, after a manual change of AWSCURRENT,
    /// which counts as a rotation there. Rules that fail to parse are left
    /// alone, because DescribeSecret still reports them.
    pub(super) async fn reschedule_after_change(
        &self,
        secret: &SecretRecord,
        manual: bool,
    ) -> Result<(), SecretsError> {
        let Some(rules) = secret
            .rotation_rules
            .as_deref()
            .and_then(|json| RotationRules::from_json(json).ok())
        else {
            return Ok(());
        };
        if manual && rules.after_days().is_none() {
            return Ok(());
        }
        let next = rules.next_start(now());
        let update = RotationFieldsUpdate {
            next_rotation_at: Some(next),
            ..RotationFieldsUpdate::default()
        };
        self.store.update_rotation_fields(secret.id, update).await?;
        Ok(())
    }
}
