//! Resource policies (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy).

use time::OffsetDateTime;

use super::PostgresStore;
use super::rows::to_millis;
use crate::store::StoreError;

impl PostgresStore {
    pub(super) async fn get_resource_policy_impl(
        &self,
        secret_id: i64,
    ) -> Result<Option<String>, StoreError> {
        let policy: Option<String> =
            sqlx::query_scalar("SELECT policy FROM resource_policies WHERE secret_id = $1")
                .bind(secret_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(policy)
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
                    "INSERT INTO resource_policies (secret_id, policy, updated_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (secret_id) DO UPDATE \
                     SET policy = excluded.policy, updated_at = excluded.updated_at",
                )
                .bind(secret_id)
                .bind(policy)
                .bind(to_millis(at))
                .execute(&self.pool)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM resource_policies WHERE secret_id = $1")
                    .bind(secret_id)
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }
}
