//! Claims on due rotations, shared by the schedulers of every replica.

use sqlx::Row;
use time::OffsetDateTime;

use super::PostgresStore;
use super::rows::{secret_from_row, to_millis};
use crate::store::{ClaimRelease, DueRotation, StoreError};

impl PostgresStore {
    pub(super) async fn claim_due_rotations_impl(
        &self,
        now: OffsetDateTime,
        limit: u32,
        owner: &str,
        lease_until: OffsetDateTime,
    ) -> Result<Vec<DueRotation>, StoreError> {
        // SKIP LOCKED passes over rows another replica is claiming right now,
        // and a locked row is checked against the conditions again after the
        // other claim commits, so no row is leased twice.
        let rows = sqlx::query(
            "WITH due AS ( \
                 SELECT id FROM secrets \
                 WHERE rotation_enabled AND purged_at IS NULL AND deleted_at IS NULL \
                   AND next_rotation_at IS NOT NULL AND next_rotation_at <= $3 \
                   AND (rotation_retry_at IS NULL OR rotation_retry_at <= $3) \
                   AND (rotation_lease_expires_at IS NULL OR rotation_lease_expires_at <= $3) \
                 ORDER BY next_rotation_at, id LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) \
             UPDATE secrets s SET rotation_lease_owner = $1, rotation_lease_expires_at = $2 \
             FROM due WHERE s.id = due.id \
             RETURNING s.*",
        )
        .bind(owner)
        .bind(to_millis(lease_until))
        .bind(to_millis(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;

        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let attempts: i64 = row.try_get("rotation_window_attempts")?;
            claimed.push(DueRotation {
                secret: secret_from_row(row)?,
                window_attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            });
        }
        claimed.sort_by_key(|due| (due.secret.next_rotation_at, due.secret.id));
        Ok(claimed)
    }

    pub(super) async fn release_rotation_claim_impl(
        &self,
        secret_id: i64,
        owner: &str,
        release: ClaimRelease,
    ) -> Result<bool, StoreError> {
        let result = sqlx::query(
            "UPDATE secrets SET rotation_lease_owner = NULL, rotation_lease_expires_at = NULL, \
             rotation_retry_at = $1, rotation_window_attempts = $2, \
             next_rotation_at = CASE WHEN $3 THEN $4 ELSE next_rotation_at END \
             WHERE id = $5 AND rotation_lease_owner = $6",
        )
        .bind(release.retry_at.map(to_millis))
        .bind(i64::from(release.window_attempts))
        .bind(release.next_rotation_at.is_some())
        .bind(release.next_rotation_at.flatten().map(to_millis))
        .bind(secret_id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}
