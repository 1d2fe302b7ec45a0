//! Resource policies (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy).

use sqlx::Row;
use time::OffsetDateTime;

use super::SqliteStore;
use super::rows::to_millis;
use crate::store::StoreError;

impl SqliteStore {
    pub(super) async fn get_resource_policy_impl(
        &self,
        secret_id: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT policy FROM resource_policies WHERE secret_id = ?")
            .bind(secret_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("policy")?),
            None => None,
        })
    }

    pub(super) async fn set_resource_policy_impl(
        &self,
        secret_id: i64,
        policy: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        match policy {
            Some(policy) => {
                sqlx::query(
                    "INSERT INTO resource_policies (secret_id, policy, updated_at) VALUES (?, ?, ?) \
                     ON CONFLICT (secret_id) DO UPDATE SET policy = excluded.policy, \
                     updated_at = excluded.updated_at",
                )
                .bind(secret_id)
                .bind(policy)
                .bind(to_millis(at))
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM resource_policies WHERE secret_id = ?")
                    .bind(secret_id)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}
