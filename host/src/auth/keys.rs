//! Tumbler-issued access keys: generation, storage behind [`AccessKeyStore`],
//! and the lookups that request verification needs.
//!
//! A key id is `TKIA` followed by 16 upper-case letters and digits (20
//! characters, the length of AWS access key ids). The secret is 40 base64
//! characters from the operating system's random generator, the length of
//! AWS secret access keys. SigV4 verification needs the plaintext secret to
//! compute the HMAC, so the secret is stored sealed with the keyring (not
//! hashed), bound to its key id.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;
use rand::RngCore;
use rand::rngs::OsRng;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::policy::{PolicyDocument, PolicyError, PolicyKind};
use super::sigv4::SignedRequest;
use crate::crypto::{self, CryptoError, Keyring, SealContext, SealedValue};
use crate::store::{ChangeMarker, MarkedCache, StoreError};

/// Prefix of every access key id Tumbler issues.
pub const KEY_ID_PREFIX: &str = "TKIA";

/// Random characters after the prefix; with the prefix the id has 20
/// characters, like an AWS access key id.
const KEY_ID_RANDOM_LEN: usize = 16;

/// Random bytes of a secret; base64 turns 30 bytes into 40 characters, the
/// length of an AWS secret access key.
const SECRET_BYTES: usize = 30;

/// Maximum length of a key name, the IAM limit for user names.
const MAX_NAME_LEN: usize = 64;

/// Maximum length of an identity policy, the IAM limit for an inline user
/// policy.
pub const MAX_POLICY_LEN: usize = 2048;

/// A stored access key. The secret stays sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub id: String,
    /// User name in the principal ARN `arn:aws:iam::<account>:user/<name>`.
    pub name: String,
    pub description: Option<String>,
    pub sealed_secret: SealedValue,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub disabled: bool,
    /// Administrator keys may perform every action that no policy denies.
    pub is_admin: bool,
    /// Identity policy document (JSON).
    pub policy: Option<String>,
    /// Tags, available to policies as `aws:PrincipalTag/<key>`.
    pub tags: BTreeMap<String, String>,
}

/// Persistence of access keys. SQLite implements it in `store::sqlite`.
#[async_trait]
pub trait AccessKeyStore: Send + Sync {
    /// Returns a marker that changes with every commit (see
    /// [`crate::store::Store::change_marker`]). `None` disables caching.
    fn change_marker(&self) -> Option<ChangeMarker> {
        None
    }

    /// Checks whether `marker` was read from this store, so that a reading
    /// taken for a whole request can stand in for [`Self::change_marker`].
    fn owns_marker(&self, _marker: &ChangeMarker) -> bool {
        false
    }

    /// Inserts a key; fails with [`StoreError::Conflict`] if the id exists.
    async fn insert_access_key(&self, key: &AccessKeyRecord) -> Result<(), StoreError>;

    /// Inserts an administrator key unless one exists already, in one
    /// transaction. Returns whether the key was inserted.
    async fn insert_admin_key_if_none(&self, key: &AccessKeyRecord) -> Result<bool, StoreError>;

    async fn get_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError>;

    /// Lists every key, oldest first.
    async fn list_access_keys(&self) -> Result<Vec<AccessKeyRecord>, StoreError>;

    /// Deletes a key; returns whether it existed.
    async fn delete_access_key(&self, id: &str) -> Result<bool, StoreError>;

    /// Enables or disables a key; returns whether it exists.
    async fn set_access_key_disabled(&self, id: &str, disabled: bool) -> Result<bool, StoreError>;

    /// Records a successful request signed with the key.
    async fn touch_access_key(&self, id: &str, at: OffsetDateTime) -> Result<(), StoreError>;
}

/// Errors of access key management. No variant contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccessKeyError {
    #[error("no access key with id {0}; run `tumbler access-key list` to see the keys")]
    NotFound(String),

    #[error(
        "invalid access key name '{0}': use 1 to 64 letters, digits and the characters _+=,.@-"
    )]
    InvalidName(String),

    #[error("invalid identity policy: {0}")]
    InvalidPolicy(PolicyError),

    #[error("the identity policy has {0} characters; the maximum is {MAX_POLICY_LEN}")]
    PolicyTooLong(usize),

    #[error(transparent)]
    Store(#[from] StoreError),

    #[error(transparent)]
    Crypto(#[from] CryptoError),

    #[error("failed to write {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl From<PolicyError> for AccessKeyError {
    fn from(error: PolicyError) -> Self {
        AccessKeyError::InvalidPolicy(error)
    }
}

/// Settings of a key to create.
#[derive(Debug, Clone, Default)]
pub struct NewAccessKey {
    /// Defaults to the key id.
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_admin: bool,
    /// Identity policy document (JSON); validated before the key is stored.
    pub policy: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A key just created, with its secret. The secret is shown once and never
/// again.
pub struct CreatedKey {
    pub record: AccessKeyRecord,
    pub secret_access_key: Zeroizing<String>,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

/// A key looked up for request verification, with its opened secret and
/// parsed policy.
pub struct ResolvedKey {
    pub record: AccessKeyRecord,
    pub secret_access_key: Zeroizing<Vec<u8>>,
    pub policy: Option<Arc<PolicyDocument>>,
    /// The SigV4 signing key last derived from the secret, with its
    /// credential scope. Clients sign a day's requests for one region with
    /// the same scope, so this saves four HMAC steps per request.
    signing_key: Mutex<Option<(String, Zeroizing<[u8; 32]>)>>,
}

impl ResolvedKey {
    /// Returns the signing key for the credential scope of `request`,
    /// derived from the secret or reused from the previous request with the
    /// same scope.
    pub fn signing_key(&self, request: &SignedRequest) -> Zeroizing<[u8; 32]> {
        let scope = request.credential_scope();
        let mut cached = self
            .signing_key
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((cached_scope, key)) = cached.as_ref()
            && cached_scope == scope
        {
            return key.clone();
        }
        let key = request.signing_key(&self.secret_access_key);
        *cached = Some((scope.to_owned(), key.clone()));
        key
    }
}

/// Access key operations over a store and a keyring. Cloning is cheap.
#[derive(Clone)]
pub struct AccessKeys {
    store: Arc<dyn AccessKeyStore>,
    keyring: Arc<Keyring>,
    /// Opened keys by id, kept until the next commit to the store, so a
    /// deleted or disabled key stops working with the next request.
    resolved: Arc<MarkedCache<String, Option<Arc<ResolvedKey>>>>,
}

impl std::fmt::Debug for AccessKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeys").finish_non_exhaustive()
    }
}

impl AccessKeys {
    pub fn new(store: Arc<dyn AccessKeyStore>, keyring: Arc<Keyring>) -> Self {
        AccessKeys {
            store,
            keyring,
            resolved: Arc::default(),
        }
    }

    pub fn store(&self) -> &Arc<dyn AccessKeyStore> {
        &self.store
    }

    /// Creates and stores a key with a fresh id and secret.
    pub async fn create(&self, new: NewAccessKey) -> Result<CreatedKey, AccessKeyError> {
        let created = self.build(new)?;
        self.store.insert_access_key(&created.record).await?;
        tracing::info!(
            access_key_id = %created.record.id,
            name = %created.record.name,
            is_admin = created.record.is_admin,
            "created access key"
        );
        Ok(created)
    }

    /// Creates an administrator key named `name` unless an administrator key
    /// exists. Returns `None` when one exists.
    pub async fn create_admin_if_none(
        &self,
        name: &str,
    ) -> Result<Option<CreatedKey>, AccessKeyError> {
        let created = self.build(NewAccessKey {
            name: Some(name.to_owned()),
            description: Some("Administrator key created on first start".to_owned()),
            is_admin: true,
            ..NewAccessKey::default()
        })?;
        if !self.store.insert_admin_key_if_none(&created.record).await? {
            return Ok(None);
        }
        Ok(Some(created))
    }

    /// Lists every key; secrets stay sealed.
    pub async fn list(&self) -> Result<Vec<AccessKeyRecord>, AccessKeyError> {
        Ok(self.store.list_access_keys().await?)
    }

    /// Deletes a key. Requests signed with it fail from then on, because the
    /// cache of opened keys is dropped at every commit.
    pub async fn delete(&self, id: &str) -> Result<(), AccessKeyError> {
        if !self.store.delete_access_key(id).await? {
            return Err(AccessKeyError::NotFound(id.to_owned()));
        }
        tracing::info!(access_key_id = %id, "deleted access key");
        Ok(())
    }

    /// Disables or enables a key.
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<(), AccessKeyError> {
        if !self.store.set_access_key_disabled(id, disabled).await? {
            return Err(AccessKeyError::NotFound(id.to_owned()));
        }
        tracing::info!(access_key_id = %id, disabled, "changed access key state");
        Ok(())
    }

    /// Loads an enabled key with its opened secret; `None` for an unknown,
    /// deleted or disabled key.
    pub async fn resolve(&self, id: &str) -> Result<Option<Arc<ResolvedKey>>, AccessKeyError> {
        self.resolve_at(None, id).await
    }

    /// [`Self::resolve`] with the cache checked against `marker`, a reading
    /// the caller took for the whole request. A marker that this store did
    /// not produce, or none, is replaced by a fresh reading.
    pub async fn resolve_at(
        &self,
        marker: Option<ChangeMarker>,
        id: &str,
    ) -> Result<Option<Arc<ResolvedKey>>, AccessKeyError> {
        let marker = match marker {
            Some(marker) if self.store.owns_marker(&marker) => Some(marker),
            _ => self.store.change_marker(),
        };
        self.resolved
            .get_or_load(marker, id.to_owned(), || self.open_key(id))
            .await
    }

    async fn open_key(&self, id: &str) -> Result<Option<Arc<ResolvedKey>>, AccessKeyError> {
        let Some(record) = self.store.get_access_key(id).await? else {
            return Ok(None);
        };
        if record.disabled {
            return Ok(None);
        }
        let secret = crypto::open(
            self.keyring.as_ref(),
            &seal_context(&record.id),
            &record.sealed_secret,
        )?;
        let policy = match &record.policy {
            Some(json) => Some(Arc::new(PolicyDocument::parse(json, PolicyKind::Identity)?)),
            None => None,
        };
        Ok(Some(Arc::new(ResolvedKey {
            record,
            secret_access_key: secret,
            policy,
            signing_key: Mutex::new(None),
        })))
    }

    fn build(&self, new: NewAccessKey) -> Result<CreatedKey, AccessKeyError> {
        let id = generate_key_id();
        let name = new.name.unwrap_or_else(|| id.clone());
        validate_name(&name)?;
        if let Some(policy) = &new.policy {
            validate_identity_policy(policy)?;
        }

        let secret = generate_secret();
        let sealed_secret =
            crypto::seal(self.keyring.as_ref(), &seal_context(&id), secret.as_bytes())?;
        let record = AccessKeyRecord {
            id,
            name,
            description: new.description,
            sealed_secret,
            created_at: OffsetDateTime::now_utc(),
            last_used_at: None,
            disabled: false,
            is_admin: new.is_admin,
            policy: new.policy,
            tags: new.tags,
        };
        Ok(CreatedKey {
            record,
            secret_access_key: secret,
        })
    }
}

/// Checks an identity policy before it is attached to a key.
pub fn validate_identity_policy(json: &str) -> Result<PolicyDocument, AccessKeyError> {
    let length = json.chars().count();
    if length > MAX_POLICY_LEN {
        return Err(AccessKeyError::PolicyTooLong(length));
    }
    Ok(PolicyDocument::parse(json, PolicyKind::Identity)?)
}

/// Binds a sealed secret to its key id, so a sealed secret copied onto
/// another key's row fails to open.
fn seal_context(id: &str) -> SealContext<'_> {
    SealContext {
        secret_arn: id,
        version_id: "tumbler/access-key-secret",
    }
}

/// Returns `TKIA` followed by 16 random upper-case letters and digits.
pub fn generate_key_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut id = String::with_capacity(KEY_ID_PREFIX.len() + KEY_ID_RANDOM_LEN);
    id.push_str(KEY_ID_PREFIX);
    for _ in 0..KEY_ID_RANDOM_LEN {
        id.push(ALPHABET[OsRng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// Returns 40 base64 characters encoding 30 random bytes.
pub fn generate_secret() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; SECRET_BYTES]);
    OsRng.fill_bytes(bytes.as_mut_slice());
    Zeroizing::new(STANDARD.encode(bytes.as_slice()))
}

/// Key names follow IAM user names: 1 to 64 characters of `[\w+=,.@-]`.
fn validate_name(name: &str) -> Result<(), AccessKeyError> {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if name.is_empty() || name.len() > MAX_NAME_LEN || !name.chars().all(valid_char) {
        return Err(AccessKeyError::InvalidName(name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
