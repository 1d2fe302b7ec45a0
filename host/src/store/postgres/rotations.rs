//! Persisted rotation progress.

use sqlx::PgConnection;

use super::PostgresStore;
use super::rows::{ROTATION_COLUMNS, lock_secret, rotation_from_row, to_millis, violated_unique};
use crate::store::{
    NewRotation, RotationConfigRecord, RotationFieldsUpdate, RotationRecord, RotationUpdate,
    StoreError,
};

impl PostgresStore {
    pub(super) async fn get_rotation_impl(
        &self,
        secret_id: i64,
        token: &str,
    ) -> Result<Option<RotationRecord>, StoreError> {
        let sql = format!(
            "SELECT {ROTATION_COLUMNS} FROM rotations WHERE secret_id = $1 AND token = $2"
        );
        let row = sqlx::query(&sql)
            .bind(secret_id)
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rotation_from_row).transpose()
    }

    pub(super) async fn latest_rotation_impl(
        &self,
        secret_id: i64,
    ) -> Result<Option<RotationRecord>, StoreError> {
        let sql = format!(
            "SELECT {ROTATION_COLUMNS} FROM rotations WHERE secret_id = $1 \
             ORDER BY started_at DESC, seq DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(secret_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rotation_from_row).transpose()
    }

    pub(super) async fn update_rotation_fields_impl(
        &self,
        secret_id: i64,
        update: RotationFieldsUpdate,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        lock_secret(&mut tx, secret_id).await?;
        if let Some(enabled) = update.enabled {
            sqlx::query("UPDATE secrets SET rotation_enabled = $1 WHERE id = $2")
                .bind(enabled)
                .bind(secret_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(rules) = &update.rules {
            sqlx::query("UPDATE secrets SET rotation_rules = $1 WHERE id = $2")
                .bind(rules)
                .bind(secret_id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(next) = update.next_rotation_at {
            // A new window start also ends the retries of the old window.
            sqlx::query(
                "UPDATE secrets SET next_rotation_at = $1, rotation_retry_at = NULL, \
                 rotation_window_attempts = 0 WHERE id = $2",
            )
            .bind(next.map(to_millis))
            .bind(secret_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn update_rotation_impl(
        &self,
        update: RotationUpdate,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT {ROTATION_COLUMNS} FROM rotations WHERE secret_id = $1 AND token = $2 \
             FOR UPDATE"
        );
        let row = sqlx::query(&sql)
            .bind(update.secret_id)
            .bind(&update.token)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(current) = row.as_ref().map(rotation_from_row).transpose()? else {
            return Err(StoreError::NotFound(format!(
                "rotation {} of secret {}",
                update.token, update.secret_id
            )));
        };

        let merged = update.apply_to(current);
        let steps = serde_json::to_string(&merged.completed_steps)
            .map_err(|err| StoreError::Corrupt(format!("completed_steps: {err}")))?;
        let at = to_millis(merged.updated_at);

        sqlx::query(
            "UPDATE rotations SET status = $1, next_step = $2, completed_steps = $3, \
             last_error = $4, attempts = $5, updated_at = $6 WHERE secret_id = $7 AND token = $8",
        )
        .bind(merged.status.as_str())
        .bind(merged.next_step)
        .bind(steps)
        .bind(merged.last_error)
        .bind(merged.attempts)
        .bind(at)
        .bind(update.secret_id)
        .bind(&update.token)
        .execute(&mut *tx)
        .await?;

        if update.set_last_rotated {
            sqlx::query("UPDATE secrets SET last_rotated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(update.secret_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

pub(super) async fn store_rotation_config(
    conn: &mut PgConnection,
    secret_id: i64,
    config: &RotationConfigRecord,
) -> Result<(), StoreError> {
    let settings = serde_json::to_string(&config.settings)
        .map_err(|err| StoreError::Corrupt(format!("rotation settings: {err}")))?;
    sqlx::query(
        "UPDATE secrets SET rotation_enabled = $1, rotation_lambda_arn = $2, \
         rotation_settings = $3 WHERE id = $4",
    )
    .bind(config.enabled)
    .bind(&config.rotator)
    .bind(settings)
    .bind(secret_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn insert_rotation(
    conn: &mut PgConnection,
    secret_id: i64,
    rotation: &NewRotation,
    at: i64,
) -> Result<(), StoreError> {
    let result = sqlx::query(
        "INSERT INTO rotations (secret_id, token, rotator, status, next_step, started_at, \
         updated_at) VALUES ($1, $2, $3, 'in_progress', $4, $5, $5)",
    )
    .bind(secret_id)
    .bind(&rotation.token)
    .bind(&rotation.rotator)
    .bind(&rotation.next_step)
    .bind(at)
    .execute(&mut *conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) if violated_unique(&err).is_some() => Err(StoreError::Conflict(format!(
            "a rotation with token {} already exists",
            rotation.token
        ))),
        Err(err) => Err(err.into()),
    }
}
