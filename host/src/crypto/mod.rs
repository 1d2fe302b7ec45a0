//! Envelope encryption of secret values.
//!
//! Every secret version gets a fresh 256-bit data key. The value is sealed with
//! AES-256-GCM under that data key, and the data key is wrapped by a
//! key-encryption key (KEK) from a [`KeyProvider`]. Associated data binds each
//! ciphertext to its secret ARN and version id, so a sealed row copied onto
//! another secret or version fails to open.
//!
//! [`Keyring`] is the local provider: keys live in `<data dir>/master.key` or
//! come from `TUMBLER_MASTER_KEY`.

mod envelope;
mod error;
mod keyfile;
mod keyring;
mod manage;

pub use envelope::{SealContext, SealedValue, open, rewrap, seal, seal_with_key};
pub use error::CryptoError;
pub use keyfile::{KEY_FILE_NAME, MASTER_KEY_ENV};
pub use keyring::{KEY_LEN, KeyInfo, KeyProvider, Keyring};
