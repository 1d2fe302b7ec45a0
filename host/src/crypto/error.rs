use std::path::PathBuf;

/// Errors of the keyring and of envelope encryption.
///
/// No variant carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// A sealed value failed to open: wrong key, tampered bytes, or a row that
    /// belongs to another secret or version.
    #[error("failed to decrypt version {version_id} of secret {secret_arn}")]
    Decryption {
        secret_arn: String,
        version_id: String,
    },

    /// AES-GCM refused to encrypt (only possible for absurdly large inputs).
    #[error("failed to encrypt version {version_id} of secret {secret_arn}")]
    Encryption {
        secret_arn: String,
        version_id: String,
    },

    /// No key with this id or alias exists in the keyring.
    #[error("no encryption key with id or alias '{0}'")]
    KeyNotFound(String),

    /// A key with this id or alias already exists.
    #[error("an encryption key with id or alias '{0}' already exists")]
    DuplicateKey(String),

    /// The key exists but an operator disabled it.
    #[error("encryption key {0} is disabled; enable it again to use it")]
    KeyDisabled(String),

    /// Wrapping a data key under this key failed.
    #[error("failed to wrap a data key with key {0}")]
    WrapFailed(String),

    /// A wrapped data key did not open with this key (wrong key, tampered
    /// bytes or mismatched associated data).
    #[error("failed to unwrap a data key with key {0}")]
    UnwrapFailed(String),

    /// `TUMBLER_MASTER_KEY` does not hold base64 of exactly 32 bytes.
    #[error(
        "invalid TUMBLER_MASTER_KEY: {0}; set it to the base64 encoding of 32 random bytes (for example the output of `openssl rand -base64 32`)"
    )]
    InvalidMasterKey(String),

    /// The key file exists but cannot be parsed or contains invalid keys.
    #[error(
        "invalid key file {path}: {reason}; restore it from backup (deleting it makes every stored secret unreadable)"
    )]
    InvalidKeyFile { path: PathBuf, reason: String },

    /// The key file is readable or writable by group or others.
    #[error(
        "key file {path} has mode {mode:o}, which lets other users read it; run `chmod 600 {path}`"
    )]
    InsecureKeyFile { path: PathBuf, mode: u32 },

    /// Reading or writing the key file or data directory failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}
