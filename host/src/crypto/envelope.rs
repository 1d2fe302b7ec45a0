use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use super::CryptoError;
use super::keyring::{KEY_LEN, KeyProvider, NONCE_LEN, TAG_LEN};

/// Domain-separation prefixes of the two kinds of associated data.
const VALUE_AAD_PREFIX: &[u8] = b"tumbler/value/v1";
const DATA_KEY_AAD_PREFIX: &[u8] = b"tumbler/data-key/v1";

/// Context a sealed value is bound to. Opening with any other context fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealContext<'a> {
    pub secret_arn: &'a str,
    pub version_id: &'a str,
}

/// A value sealed under a fresh data key, as stored in the database.
///
/// `wrapped_key` is the data key encrypted by key `key_id`, encoded as its
/// 12-byte nonce followed by ciphertext and tag. `nonce` and `ciphertext`
/// belong to the value itself.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub key_id: String,
    pub wrapped_key: Vec<u8>,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedValue")
            .field("key_id", &self.key_id)
            .field("wrapped_key_len", &self.wrapped_key.len())
            .field("ciphertext_len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// Seals `plaintext` under the provider's default key.
pub fn seal(
    keys: &dyn KeyProvider,
    context: &SealContext<'_>,
    plaintext: &[u8],
) -> Result<SealedValue, CryptoError> {
    seal_with_key(keys, keys.default_key_id(), context, plaintext)
}

/// Seals `plaintext` under the key named by `key_ref` (id, alias or ARN).
pub fn seal_with_key(
    keys: &dyn KeyProvider,
    key_ref: &str,
    context: &SealContext<'_>,
    plaintext: &[u8],
) -> Result<SealedValue, CryptoError> {
    let key_id = keys.resolve_key_id(key_ref)?;

    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(data_key.as_mut_slice());
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);

    let cipher = Aes256Gcm::new_from_slice(data_key.as_slice()).map_err(|_| encryption(context))?;
    let value_aad = value_aad(context);
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &value_aad,
            },
        )
        .map_err(|_| encryption(context))?;

    let wrapped_key = keys.wrap_data_key(
        &key_id,
        &data_key_aad(&key_id, context),
        data_key.as_slice(),
    )?;

    Ok(SealedValue {
        key_id,
        wrapped_key,
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

/// Opens a sealed value. Every mismatch (tampered bytes, another key id, a row
/// moved to another secret or version) returns [`CryptoError::Decryption`],
/// except a disabled key, which returns [`CryptoError::KeyDisabled`].
pub fn open(
    keys: &dyn KeyProvider,
    context: &SealContext<'_>,
    sealed: &SealedValue,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let data_key = unwrap(keys, context, sealed)?;

    if sealed.nonce.len() != NONCE_LEN || sealed.ciphertext.len() < TAG_LEN {
        return Err(decryption(context));
    }
    let cipher = Aes256Gcm::new_from_slice(data_key.as_slice()).map_err(|_| decryption(context))?;
    let value_aad = value_aad(context);
    let plaintext = cipher
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &value_aad,
            },
        )
        .map_err(|_| decryption(context))?;
    Ok(Zeroizing::new(plaintext))
}

/// Re-wraps the data key of `sealed` under `new_key_ref` without touching the
/// value ciphertext. Used when a secret moves to another key.
pub fn rewrap(
    keys: &dyn KeyProvider,
    new_key_ref: &str,
    context: &SealContext<'_>,
    sealed: &SealedValue,
) -> Result<SealedValue, CryptoError> {
    let new_key_id = keys.resolve_key_id(new_key_ref)?;
    let data_key = unwrap(keys, context, sealed)?;
    let wrapped_key = keys.wrap_data_key(
        &new_key_id,
        &data_key_aad(&new_key_id, context),
        data_key.as_slice(),
    )?;
    Ok(SealedValue {
        key_id: new_key_id,
        wrapped_key,
        nonce: sealed.nonce.clone(),
        ciphertext: sealed.ciphertext.clone(),
    })
}

fn unwrap(
    keys: &dyn KeyProvider,
    context: &SealContext<'_>,
    sealed: &SealedValue,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let aad = data_key_aad(&sealed.key_id, context);
    let data_key = match keys.unwrap_data_key(&sealed.key_id, &aad, &sealed.wrapped_key) {
        Ok(key) => key,
        Err(CryptoError::KeyDisabled(id)) => return Err(CryptoError::KeyDisabled(id)),
        Err(_) => return Err(decryption(context)),
    };
    if data_key.len() != KEY_LEN {
        return Err(decryption(context));
    }
    Ok(data_key)
}

fn value_aad(context: &SealContext<'_>) -> Vec<u8> {
    encode_aad(VALUE_AAD_PREFIX, &[context.secret_arn, context.version_id])
}

fn data_key_aad(key_id: &str, context: &SealContext<'_>) -> Vec<u8> {
    encode_aad(
        DATA_KEY_AAD_PREFIX,
        &[key_id, context.secret_arn, context.version_id],
    )
}

/// Length-prefixes every field so that no two field lists share an encoding.
fn encode_aad(prefix: &[u8], fields: &[&str]) -> Vec<u8> {
    let mut aad =
        Vec::with_capacity(prefix.len() + fields.iter().map(|f| f.len() + 8).sum::<usize>());
    aad.extend_from_slice(prefix);
    for field in fields {
        aad.extend_from_slice(&(field.len() as u64).to_be_bytes());
        aad.extend_from_slice(field.as_bytes());
    }
    aad
}

fn decryption(context: &SealContext<'_>) -> CryptoError {
    CryptoError::Decryption {
        secret_arn: context.secret_arn.to_owned(),
        version_id: context.version_id.to_owned(),
    }
}

fn encryption(context: &SealContext<'_>) -> CryptoError {
    CryptoError::Encryption {
        secret_arn: context.secret_arn.to_owned(),
        version_id: context.version_id.to_owned(),
    }
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
