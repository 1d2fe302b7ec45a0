use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::CryptoError;

/// Length in bytes of key-encryption keys and data keys (AES-256).
pub const KEY_LEN: usize = 32;

/// Length in bytes of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;

/// Length in bytes of an AES-GCM authentication tag.
pub(crate) const TAG_LEN: usize = 16;

/// A source of key-encryption keys that wraps and unwraps data keys.
///
/// The local [`Keyring`] implements it; an external KMS backend can implement
/// it too. Wrapped keys are opaque to callers.
// NOTE: the methods are synchronous, so a network KMS backend would have to
// block; make the trait async when such a backend is added.
pub trait KeyProvider: Send + Sync {
    /// Id of the key used when a secret names no key.
    fn default_key_id(&self) -> &str;

    /// Resolves a key id, an `alias/...` name, or a KMS-style ARN ending in
    /// `key/<id>` or `alias/<name>` to the canonical key id of an enabled key.
    fn resolve_key_id(&self, key_ref: &str) -> Result<String, CryptoError>;

    /// Encrypts `data_key` under key `key_id`, binding it to `aad`.
    fn wrap_data_key(
        &self,
        key_id: &str,
        aad: &[u8],
        data_key: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// Reverses [`KeyProvider::wrap_data_key`]. Any mismatch in key, bytes or
    /// associated data fails; the caller turns the failure into a
    /// [`CryptoError::Decryption`] naming the secret and version.
    fn unwrap_data_key(
        &self,
        key_id: &str,
        aad: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError>;
}

/// One key-encryption key.
struct Kek {
    id: String,
    alias: Option<String>,
    enabled: bool,
    material: Zeroizing<[u8; KEY_LEN]>,
}

/// Public description of a key; never contains material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: String,
    pub alias: Option<String>,
    pub enabled: bool,
    pub is_default: bool,
}

/// The local set of key-encryption keys.
pub struct Keyring {
    keys: Vec<Kek>,
    default_key_id: String,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.key_infos())
            .field("default_key_id", &self.default_key_id)
            .finish()
    }
}

impl Keyring {
    /// Builds a keyring holding one enabled key, which is also the default.
    pub fn from_key(id: &str, material: [u8; KEY_LEN]) -> Keyring {
        let mut keyring = Keyring {
            keys: Vec::new(),
            default_key_id: id.to_owned(),
        };
        keyring.insert(id.to_owned(), None, true, Zeroizing::new(material));
        keyring
    }

    /// Adds an enabled key. Fails if the id or alias is already taken.
    pub fn add_key(
        &mut self,
        id: &str,
        alias: Option<&str>,
        material: [u8; KEY_LEN],
    ) -> Result<(), CryptoError> {
        let taken = self
            .keys
            .iter()
            .any(|k| k.id == id || (alias.is_some() && k.alias.as_deref() == alias));
        if taken {
            return Err(CryptoError::DuplicateKey(alias.unwrap_or(id).to_owned()));
        }
        self.insert(
            id.to_owned(),
            alias.map(str::to_owned),
            true,
            Zeroizing::new(material),
        );
        Ok(())
    }

    /// Enables or disables a key. Values under a disabled key cannot be
    /// opened until it is enabled again.
    pub fn set_enabled(&mut self, key_ref: &str, enabled: bool) -> Result<(), CryptoError> {
        let wanted = strip_arn(key_ref);
        let key = self
            .keys
            .iter_mut()
            .find(|k| k.id == wanted || k.alias.as_deref() == Some(wanted))
            .ok_or_else(|| CryptoError::KeyNotFound(key_ref.to_owned()))?;
        key.enabled = enabled;
        Ok(())
    }

    pub(crate) fn empty(default_key_id: String) -> Keyring {
        Keyring {
            keys: Vec::new(),
            default_key_id,
        }
    }

    /// Iterates over (id, alias, enabled, material) for writing the key file.
    pub(crate) fn entries(
        &self,
    ) -> impl Iterator<Item = (&str, Option<&str>, bool, &[u8; KEY_LEN])> {
        self.keys
            .iter()
            .map(|k| (k.id.as_str(), k.alias.as_deref(), k.enabled, &*k.material))
    }

    pub(crate) fn set_default_unchecked(&mut self, id: String) {
        self.default_key_id = id;
    }

    pub(crate) fn insert(
        &mut self,
        id: String,
        alias: Option<String>,
        enabled: bool,
        material: Zeroizing<[u8; KEY_LEN]>,
    ) {
        self.keys.push(Kek {
            id,
            alias,
            enabled,
            material,
        });
    }

    /// Id of the key used for secrets that name no key.
    pub fn default_key_id(&self) -> &str {
        &self.default_key_id
    }

    /// Lists the keys without their material.
    pub fn key_infos(&self) -> Vec<KeyInfo> {
        self.keys
            .iter()
            .map(|k| KeyInfo {
                id: k.id.clone(),
                alias: k.alias.clone(),
                enabled: k.enabled,
                is_default: k.id == self.default_key_id,
            })
            .collect()
    }

    /// Finds a key by id, `alias/...` name, or an ARN ending in `key/<id>` or
    /// `alias/<name>`. Disabled keys are returned too; see [`KeyInfo::enabled`].
    pub fn resolve(&self, kms_key_id: &str) -> Result<KeyInfo, CryptoError> {
        let key = self.find(kms_key_id)?;
        Ok(KeyInfo {
            id: key.id.clone(),
            alias: key.alias.clone(),
            enabled: key.enabled,
            is_default: key.id == self.default_key_id,
        })
    }

    fn find(&self, key_ref: &str) -> Result<&Kek, CryptoError> {
        let wanted = strip_arn(key_ref);
        self.keys
            .iter()
            .find(|k| k.id == wanted || k.alias.as_deref() == Some(wanted))
            .ok_or_else(|| CryptoError::KeyNotFound(key_ref.to_owned()))
    }

    fn find_enabled(&self, key_ref: &str) -> Result<&Kek, CryptoError> {
        let key = self.find(key_ref)?;
        if !key.enabled {
            return Err(CryptoError::KeyDisabled(key.id.clone()));
        }
        Ok(key)
    }
}

/// Reduces `arn:...:key/<id>` to `<id>` and `arn:...:alias/<name>` to
/// `alias/<name>`; other strings are returned unchanged.
fn strip_arn(key_ref: &str) -> &str {
    if !key_ref.starts_with("arn:") {
        return key_ref;
    }
    let resource = key_ref.rsplit(':').next().unwrap_or(key_ref);
    resource.strip_prefix("key/").unwrap_or(resource)
}

impl KeyProvider for Keyring {
    fn default_key_id(&self) -> &str {
        &self.default_key_id
    }

    fn resolve_key_id(&self, key_ref: &str) -> Result<String, CryptoError> {
        Ok(self.find_enabled(key_ref)?.id.clone())
    }

    fn wrap_data_key(
        &self,
        key_id: &str,
        aad: &[u8],
        data_key: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self.find_enabled(key_id)?;
        let cipher = Aes256Gcm::new_from_slice(key.material.as_slice())
            .map_err(|_| CryptoError::WrapFailed(key.id.clone()))?;

        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: data_key, aad })
            .map_err(|_| CryptoError::WrapFailed(key.id.clone()))?;

        // Wire form: nonce followed by ciphertext and tag.
        let mut wrapped = Vec::with_capacity(NONCE_LEN + sealed.len());
        wrapped.extend_from_slice(&nonce);
        wrapped.extend_from_slice(&sealed);
        Ok(wrapped)
    }

    fn unwrap_data_key(
        &self,
        key_id: &str,
        aad: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let key = self.find_enabled(key_id)?;
        if wrapped.len() != NONCE_LEN + KEY_LEN + TAG_LEN {
            return Err(CryptoError::UnwrapFailed(key.id.clone()));
        }
        let cipher = Aes256Gcm::new_from_slice(key.material.as_slice())
            .map_err(|_| CryptoError::UnwrapFailed(key.id.clone()))?;
        let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
        let data_key = cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map_err(|_| CryptoError::UnwrapFailed(key.id.clone()))?;
        Ok(Zeroizing::new(data_key))
    }
}
