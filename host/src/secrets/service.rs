use std::collections::BTreeSet;
use std::sync::Arc;

use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::arn::{SecretLookup, ServiceConfig, classify};
use super::labels::LabelState;
use super::name::validate_secret_id;
use super::password::{PasswordSpec, generate_password};
use super::{SecretRef, SecretValue, SecretsError};
use crate::crypto::{self, Keyring, SealContext};
use crate::store::{ChangeMarker, MarkedCache, SecretRecord, Store, StoreError, StoredValue, TagRecord, VersionRecord};

/// Times a write is re-read and retried after a concurrent change.
pub(super) const MAX_WRITE_ATTEMPTS: usize = 10;

/// Secrets Manager operations over a store and a keyring. Cloning is cheap.
#[derive(Clone)]
pub struct SecretsService {
    pub(super) store: Arc<dyn Store>,
    pub(super) keyring: Arc<Keyring>,
    pub(super) config: Arc<ServiceConfig>,
    pub(super) cache: Arc<ReadCache>,
}

/// Rows read on every GetSecretValue, DescribeSecret and authorization,
/// cached until the next commit to the store.
#[derive(Debug, Default)]
pub(super) struct ReadCache {
    /// Lookup results by the `SecretId` as given, including misses.
    found: MarkedCache<String, Option<SecretRecord>>,
    versions: MarkedCache<i64, Arc<Vec<VersionRecord>>>,
    tags: MarkedCache<i64, Arc<Vec<TagRecord>>>,
    pub(super) policies: MarkedCache<i64, Option<String>>,
    /// ListSecrets results, with and without secrets planned for deletion.
    pub(super) listings: MarkedCache<bool, Arc<Vec<super::SecretDescription>>>,
}

impl std::fmt::Debug for SecretsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SecretsService {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>, config: ServiceConfig) -> Self {
        SecretsService {
            store,
            keyring,
            config: Arc::new(config),
            cache: Arc::default(),
        }
    }

    /// Region and account used in ARNs.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Resolves a `SecretId` given as name, full ARN, or ARN without the
    /// random suffix.
    pub async fn resolve(&self, secret_id: &str) -> Result<SecretRef, SecretsError> {
        let record = self.find(secret_id).await?;
        Ok(SecretRef {
            id: record.id,
            arn: record.arn,
            name: record.name,
        })
    }

    /// GetRandomPassword.
    pub fn get_random_password(
        &self,
        spec: &PasswordSpec,
    ) -> Result<Zeroizing<String>, SecretsError> {
        generate_password(spec)
    }

    /// Reads the store's change marker (see [`Store::change_marker`]). The
    /// `*_at` methods take a reading, so that all cached reads of one request
    /// check against it. Every commit made before the reading is visible to
    /// them.
    pub fn change_marker(&self) -> Option<ChangeMarker> {
        self.store.change_marker()
    }

    /// Loads the secret row for a `SecretId`, or ResourceNotFoundException.
    pub(super) async fn find(&self, secret_id: &str) -> Result<SecretRecord, SecretsError> {
        self.find_at(self.store.change_marker(), secret_id).await
    }

    /// [`Self::find`] with the cache checked against `marker`.
    pub(super) async fn find_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: &str,
    ) -> Result<SecretRecord, SecretsError> {
        validate_secret_id(secret_id)?;
        let found = self
            .cache
            .found
            .get_or_load(marker, secret_id.to_owned(), || self.lookup(secret_id))
            .await?;
        found.ok_or_else(SecretsError::secret_not_found)
    }

    /// Every version of a secret with its labels, oldest first.
    pub(super) async fn versions_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: i64,
    ) -> Result<Arc<Vec<VersionRecord>>, SecretsError> {
        let versions = self
            .cache
            .versions
            .get_or_load(marker, secret_id, || async {
                self.store.list_versions(secret_id).await.map(Arc::new)
            })
            .await?;
        Ok(versions)
    }

    /// Returns the tags of a secret, empty when it never had any.
    pub(super) async fn tags_at(
        &self,
        marker: Option<ChangeMarker>,
        secret: &SecretRecord,
    ) -> Result<Arc<Vec<TagRecord>>, SecretsError> {
        if !secret.tags_set {
            return Ok(Arc::default());
        }
        let tags = self
            .cache
            .tags
            .get_or_load(marker, secret.id, || async {
                self.store.list_tags(secret.id).await.map(Arc::new)
            })
            .await?;
        Ok(tags)
    }

    async fn lookup(&self, secret_id: &str) -> Result<Option<SecretRecord>, StoreError> {
        Ok(match classify(&self.config, secret_id) {
            SecretLookup::Name(name) => self.store.find_secret_by_name(&name).await?,
            SecretLookup::FullArn(arn) | SecretLookup::ForeignArn(arn) => {
                self.store.find_secret_by_arn(&arn).await?
            }
            SecretLookup::PartialArn { arn, name } => {
                match self.store.find_secret_by_arn(&arn).await? {
                    Some(record) => Some(record),
                    None => self.store.find_secret_by_name(&name).await?,
                }
            }
        })
    }

    /// Loads a secret that is not scheduled for deletion.
    pub(super) async fn find_active(&self, secret_id: &str) -> Result<SecretRecord, SecretsError> {
        self.find_active_at(self.store.change_marker(), secret_id).await
    }

    /// [`Self::find_active`] with the cache checked against `marker`.
    pub(super) async fn find_active_at(
        &self,
        marker: Option<ChangeMarker>,
        secret_id: &str,
    ) -> Result<SecretRecord, SecretsError> {
        let record = self.find_at(marker, secret_id).await?;
        if record.deleted_at.is_some() {
            return Err(SecretsError::marked_for_deletion());
        }
        Ok(record)
    }

    /// Seals a value for one version under the secret's key (`None` for the
    /// default key).
    pub(super) fn seal_value(
        &self,
        secret_arn: &str,
        kms_key_id: Option<&str>,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<StoredValue, SecretsError> {
        let context = SealContext {
            secret_arn,
            version_id,
        };
        let key = kms_key_id.unwrap_or(self.keyring.default_key_id());
        let sealed = crypto::seal_with_key(self.keyring.as_ref(), key, &context, value.as_bytes())?;
        Ok(StoredValue {
            kind: value.kind(),
            sealed,
        })
    }

    /// Opens the value of a version.
    pub(super) fn open_value(
        &self,
        secret: &SecretRecord,
        version_id: &str,
        stored: &StoredValue,
    ) -> Result<SecretValue, SecretsError> {
        let context = SealContext {
            secret_arn: &secret.arn,
            version_id,
        };
        let plaintext = crypto::open(self.keyring.as_ref(), &context, &stored.sealed)?;
        SecretValue::from_plaintext(stored.kind, plaintext)
    }

    /// Checks whether a stored version contains exactly `value` (kind and bytes).
    pub(super) fn holds_value(
        &self,
        secret: &SecretRecord,
        version: &VersionRecord,
        value: &SecretValue,
    ) -> Result<bool, SecretsError> {
        let Some(stored) = &version.value else {
            return Ok(false);
        };
        Ok(self.open_value(secret, &version.version_id, stored)? == *value)
    }

    /// Resolves a key reference to the form stored on the secret (`None` for
    /// the default key), rejecting unknown and disabled keys.
    pub(super) fn check_kms_key(
        &self,
        kms_key_id: Option<&str>,
    ) -> Result<Option<String>, SecretsError> {
        match kms_key_id {
            None | Some("") => Ok(None),
            Some(key) => {
                let info = self.keyring.resolve(key).map_err(|_| {
                    SecretsError::InvalidParameter(format!(
                        "No encryption key with id or alias {key} exists. Use a key id or an \
                         alias of the form alias/<name>."
                    ))
                })?;
                if !info.enabled {
                    return Err(SecretsError::InvalidRequest(format!(
                        "The encryption key {key} is disabled."
                    )));
                }
                Ok(Some(key.to_owned()))
            }
        }
    }
}

/// Builds the label map of a secret from its versions.
pub(super) fn label_state(versions: &[VersionRecord]) -> LabelState {
    versions
        .iter()
        .flat_map(|v| {
            v.labels
                .iter()
                .map(move |l| (l.clone(), v.version_id.clone()))
        })
        .collect()
}

pub(super) fn version_ids(versions: &[VersionRecord]) -> BTreeSet<String> {
    versions.iter().map(|v| v.version_id.clone()).collect()
}

pub(super) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Waits a short random time before attempt `attempt + 1` of a write that
/// lost a race, so that writers that collided do not collide again in step.
pub(super) async fn retry_pause(attempt: usize) {
    let ceiling_ms = 2 * (attempt as u64 + 1);
    let millis = rand::Rng::gen_range(&mut rand::thread_rng(), 1..=ceiling_ms);
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}

/// Checks whether a store error means "re-read and try again".
pub(super) fn is_retryable(err: &StoreError) -> bool {
    matches!(
        err,
        StoreError::Conflict(_) | StoreError::VersionExists { .. }
    )
}
