//! Persistence of secrets, versions, staging labels, tags and rotation
//! progress behind the [`Store`] trait.
//!
//! The store keeps only sealed values; it never receives plaintext. The database
//! enforces one row per (secret, staging label), so a label can never sit on
//! two versions, and every change of labels happens in one transaction.

mod claim;
mod error;
mod location;
mod model;
mod postgres;
mod read_cache;
mod rotator_model;
mod sqlite;
#[doc(hidden)]
pub mod testing;

pub use claim::{ClaimRelease, DueRotation};
pub use error::StoreError;
pub use location::{DATABASE_FILE, OpenedStore, StoreLocation};
pub use model::*;
pub use read_cache::{ChangeMarker, MarkedCache};
pub use rotator_model::{InstalledRotator, NewInstalledRotator};
pub use postgres::{PostgresStore, redacted_url};
pub use sqlite::SqliteStore;

use std::collections::HashMap;

use async_trait::async_trait;
use time::OffsetDateTime;

/// Persistence interface used by the secrets domain, implemented by the
/// embedded SQLite store and by the PostgreSQL store for replicas.
#[async_trait]
pub trait Store: Send + Sync {
    /// Returns a marker that changes whenever anything is committed to the
    /// store, by this process or another. `None` means the store cannot
    /// tell, so callers must not cache reads. A reading costs a few
    /// microseconds (a SQLite read transaction), so a request takes one
    /// and passes it to every cached read it makes.
    fn change_marker(&self) -> Option<ChangeMarker> {
        None
    }

    /// Returns the ids of the key-encryption keys that wrap at least one
    /// stored secret value or access-key secret, sorted.
    async fn used_key_ids(&self) -> Result<Vec<String>, StoreError>;

    /// Inserts a secret with its tags and optional first version (labelled by
    /// `first_version_labels`). Fails with [`StoreError::NameExists`] when a
    /// live secret has the name.
    async fn insert_secret(&self, secret: NewSecret) -> Result<i64, StoreError>;

    /// Finds a secret that is not purged by its name.
    async fn find_secret_by_name(&self, name: &str) -> Result<Option<SecretRecord>, StoreError>;

    /// Finds a secret that is not purged by its exact ARN.
    async fn find_secret_by_arn(&self, arn: &str) -> Result<Option<SecretRecord>, StoreError>;

    async fn get_secret(&self, id: i64) -> Result<Option<SecretRecord>, StoreError>;

    /// Lists secrets that are not purged, ordered by name.
    async fn list_secrets(&self) -> Result<Vec<SecretRecord>, StoreError>;

    /// Lists every version of a secret with its labels, oldest first.
    async fn list_versions(&self, secret_id: i64) -> Result<Vec<VersionRecord>, StoreError>;

    async fn get_version(
        &self,
        secret_id: i64,
        version_id: &str,
    ) -> Result<Option<VersionRecord>, StoreError>;

    async fn list_tags(&self, secret_id: i64) -> Result<Vec<TagRecord>, StoreError>;

    /// Versions of every secret, keyed by secret id, each list ordered like
    /// `list_versions`. ListSecrets reads these in bulk instead of one query
    /// per secret.
    async fn list_all_versions(&self) -> Result<HashMap<i64, Vec<VersionRecord>>, StoreError>;

    /// Tags of every secret that has any, keyed by secret id.
    async fn list_all_tags(&self) -> Result<HashMap<i64, Vec<TagRecord>>, StoreError>;

    /// Applies a version change in one transaction: inserts or fills a version,
    /// moves labels (each checked against its expected holder, else
    /// [`StoreError::Conflict`]), and updates rotation state.
    async fn apply_version_change(&self, change: VersionChange) -> Result<(), StoreError>;

    /// Updates description and key; `None` leaves a field unchanged, and
    /// `Some(None)` clears it. `resealed` replaces sealed values of versions.
    async fn update_metadata(&self, update: MetadataUpdate) -> Result<(), StoreError>;

    /// Sets the secret's and the version's last-accessed dates.
    async fn touch_accessed(
        &self,
        secret_id: i64,
        version_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Sets or clears the deletion dates (DeleteSecret / RestoreSecret).
    async fn set_deletion(
        &self,
        secret_id: i64,
        deleted: Option<(OffsetDateTime, OffsetDateTime)>,
    ) -> Result<(), StoreError>;

    /// Removes a secret with all its versions, labels, tags and rotations.
    async fn purge_secret(&self, secret_id: i64) -> Result<(), StoreError>;

    /// Inserts or replaces tags by key.
    async fn put_tags(&self, secret_id: i64, tags: &[TagRecord]) -> Result<(), StoreError>;

    /// Removes tags by key; unknown keys are ignored.
    async fn remove_tags(&self, secret_id: i64, keys: &[String]) -> Result<(), StoreError>;

    async fn get_rotation(
        &self,
        secret_id: i64,
        token: &str,
    ) -> Result<Option<RotationRecord>, StoreError>;

    /// The most recently started rotation of a secret.
    async fn latest_rotation(&self, secret_id: i64) -> Result<Option<RotationRecord>, StoreError>;

    /// Updates the rotation fields stored on a secret.
    async fn update_rotation_fields(
        &self,
        secret_id: i64,
        update: RotationFieldsUpdate,
    ) -> Result<(), StoreError>;

    /// Updates a rotation row; fails with [`StoreError::NotFound`] if absent.
    /// `last_rotated` also sets the secret's last-rotated date.
    async fn update_rotation(&self, update: RotationUpdate) -> Result<(), StoreError>;

    /// Claims up to `limit` secrets whose rotation window started at or
    /// before `now`, that have no retry pending after `now` and no live lease,
    /// leasing each to `owner` until `lease_until`. Claimed secrets are
    /// invisible to other claims until released or the lease expires.
    /// PostgreSQL implements the same contract with `FOR UPDATE SKIP LOCKED`.
    async fn claim_due_rotations(
        &self,
        now: OffsetDateTime,
        limit: u32,
        owner: &str,
        lease_until: OffsetDateTime,
    ) -> Result<Vec<DueRotation>, StoreError>;

    /// Ends `owner`'s lease on a secret and records the schedule state.
    /// Returns `false`, changing nothing, when `owner` no longer has the lease.
    async fn release_rotation_claim(
        &self,
        secret_id: i64,
        owner: &str,
        release: ClaimRelease,
    ) -> Result<bool, StoreError>;

    /// The resource policy attached to a secret, if any.
    async fn get_resource_policy(&self, secret_id: i64) -> Result<Option<String>, StoreError>;

    /// Attaches (`Some`) or removes (`None`) a secret's resource policy.
    async fn set_resource_policy(
        &self,
        secret_id: i64,
        policy: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Records the SHA-256 of the rotator that runs rotation `token`, unless
    /// one is recorded already, and returns the recorded digest. Fails with
    /// [`StoreError::NotFound`] if the rotation does not exist.
    async fn pin_rotation_rotator(
        &self,
        secret_id: i64,
        token: &str,
        sha256: &str,
    ) -> Result<String, StoreError>;

    /// Inserts an installed rotator. With `replace` an existing one of the
    /// same name is overwritten, and without it that fails with
    /// [`StoreError::RotatorExists`].
    async fn insert_rotator(
        &self,
        rotator: NewInstalledRotator,
        replace: bool,
    ) -> Result<(), StoreError>;

    /// Lists installed rotators, ordered by name.
    async fn list_rotators(&self) -> Result<Vec<InstalledRotator>, StoreError>;

    /// Finds an installed rotator by name, without its component bytes.
    async fn find_rotator(&self, name: &str) -> Result<Option<InstalledRotator>, StoreError>;

    /// Returns the component bytes of an installed rotator if its digest is
    /// still `sha256`.
    async fn rotator_component(
        &self,
        name: &str,
        sha256: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Deletes an installed rotator and returns whether it existed.
    async fn delete_rotator(&self, name: &str) -> Result<bool, StoreError>;
}
