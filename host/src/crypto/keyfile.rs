//! Loading and creating the local keyring.
//!
//! The key file is TOML:
//!
//! ```toml
//! default_key_id = "tk-0123456789abcdef"
//!
//! [[keys]]
//! id = "tk-0123456789abcdef"
//! alias = "alias/tumbler-default"   # optional
//! enabled = true
//! material = "<base64 of 32 bytes>"
//! ```
//!
//! On Unix a key file whose mode grants any access to group or others is
//! rejected with [`CryptoError::InsecureKeyFile`]; the fix is `chmod 600`.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::CryptoError;
use super::keyring::{KEY_LEN, Keyring};

/// Environment variable holding a base64 master key that replaces the key file.
pub const MASTER_KEY_ENV: &str = "TUMBLER_MASTER_KEY";

/// Name of the key file inside the data directory.
pub const KEY_FILE_NAME: &str = "master.key";

#[derive(Serialize, Deserialize)]
struct KeyFile {
    default_key_id: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
struct KeyEntry {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alias: Option<String>,
    #[serde(default = "enabled_default")]
    enabled: bool,
    material: String,
}

fn enabled_default() -> bool {
    true
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        for key in &mut self.keys {
            key.material.zeroize();
        }
    }
}

impl Keyring {
    /// Loads the keyring: from `TUMBLER_MASTER_KEY` when set, otherwise from
    /// `<data_dir>/master.key`, creating both on first start.
    pub fn load_or_create(data_dir: &Path) -> Result<Keyring, CryptoError> {
        let env_value = std::env::var(MASTER_KEY_ENV).ok().map(Zeroizing::new);
        Keyring::load_or_create_with(data_dir, env_value.as_deref().map(String::as_str))
    }

    /// Same as [`Keyring::load_or_create`] with the environment value passed in.
    pub fn load_or_create_with(
        data_dir: &Path,
        master_key_env: Option<&str>,
    ) -> Result<Keyring, CryptoError> {
        if let Some(encoded) = master_key_env {
            return Keyring::from_master_key_base64(encoded);
        }
        let path = data_dir.join(KEY_FILE_NAME);
        match read_key_file(&path) {
            Ok(keyring) => Ok(keyring),
            Err(CryptoError::Io { source, .. }) if source.kind() == ErrorKind::NotFound => {
                create_key_file(data_dir, &path)
            }
            Err(err) => Err(err),
        }
    }

    /// Builds a single-key keyring from the base64 text of a 32-byte key. The
    /// key id is derived from a SHA-256 hash of the key, so it stays stable
    /// across restarts and reveals nothing about the key.
    pub fn from_master_key_base64(encoded: &str) -> Result<Keyring, CryptoError> {
        let material = decode_material(encoded.trim())
            .map_err(|reason| CryptoError::InvalidMasterKey(reason.to_owned()))?;
        let id = derived_key_id(&material);
        let mut keyring = Keyring::empty(id.clone());
        keyring.insert(id, None, true, material);
        Ok(keyring)
    }
}

fn decode_material(encoded: &str) -> Result<Zeroizing<[u8; KEY_LEN]>, &'static str> {
    let bytes = Zeroizing::new(BASE64.decode(encoded).map_err(|_| "not valid base64")?);
    if bytes.len() != KEY_LEN {
        return Err("the decoded key is not exactly 32 bytes long");
    }
    let mut material = Zeroizing::new([0u8; KEY_LEN]);
    material.copy_from_slice(&bytes);
    Ok(material)
}

fn derived_key_id(material: &[u8; KEY_LEN]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"tumbler/key-id/v1");
    hasher.update(material);
    let digest = hasher.finalize();
    format!("tk-{}", hex::encode(&digest[..8]))
}

pub(super) fn random_key_id() -> String {
    let mut bytes = [0u8; 8];
    OsRng.fill_bytes(&mut bytes);
    format!("tk-{}", hex::encode(bytes))
}

fn read_key_file(path: &Path) -> Result<Keyring, CryptoError> {
    let io_err = |source| CryptoError::Io {
        action: "failed to read key file",
        path: path.to_owned(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io_err)?;
    check_mode(path, &metadata)?;
    let text = Zeroizing::new(fs::read_to_string(path).map_err(io_err)?);
    parse_key_file(path, &text)
}

#[cfg(unix)]
fn check_mode(path: &Path, metadata: &fs::Metadata) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::InsecureKeyFile {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path, _metadata: &fs::Metadata) -> Result<(), CryptoError> {
    Ok(())
}

fn parse_key_file(path: &Path, text: &str) -> Result<Keyring, CryptoError> {
    let invalid = |reason: String| CryptoError::InvalidKeyFile {
        path: path.to_owned(),
        reason,
    };
    // The TOML error message can quote the offending line, which may hold key
    // material, so only its position is reported.
    let file: KeyFile = toml::from_str(text).map_err(|err| {
        let at = err
            .span()
            .map(|s| format!(" at byte {}", s.start))
            .unwrap_or_default();
        invalid(format!("not a valid keyring TOML document{at}"))
    })?;

    let mut keyring = Keyring::empty(file.default_key_id.clone());
    for entry in &file.keys {
        if keyring.key_infos().iter().any(|k| k.id == entry.id) {
            return Err(invalid(format!("key id {} appears twice", entry.id)));
        }
        let material = decode_material(entry.material.trim())
            .map_err(|reason| invalid(format!("key {}: material is {reason}", entry.id)))?;
        keyring.insert(
            entry.id.clone(),
            entry.alias.clone(),
            entry.enabled,
            material,
        );
    }
    if !keyring
        .key_infos()
        .iter()
        .any(|k| k.id == file.default_key_id)
    {
        return Err(invalid(format!(
            "default_key_id {} names no key in the file",
            file.default_key_id
        )));
    }
    Ok(keyring)
}

fn create_key_file(data_dir: &Path, path: &Path) -> Result<Keyring, CryptoError> {
    create_private_dir(data_dir)?;

    let id = random_key_id();
    let mut material = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.fill_bytes(material.as_mut_slice());
    let mut keyring = Keyring::empty(id.clone());
    keyring.insert(id.clone(), None, true, material);
    let text = render_key_file(&keyring, path)?;

    // Write a private temporary file, then publish it with a hard link, which
    // fails instead of replacing a key file another process created meanwhile.
    let tmp = temp_path(path);
    write_private_file(&tmp, text.as_bytes())?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), key_id = %id, "created a new key file");
            Ok(keyring)
        }
        Err(err) if err.kind() == ErrorKind::AlreadyExists => read_key_file(path),
        Err(source) => Err(CryptoError::Io {
            action: "failed to create key file",
            path: path.to_owned(),
            source,
        }),
    }
}

/// Renders a keyring as key-file text, with a warning header.
pub(super) fn render_key_file(
    keyring: &Keyring,
    path: &Path,
) -> Result<Zeroizing<String>, CryptoError> {
    let file = KeyFile {
        default_key_id: keyring.default_key_id().to_owned(),
        keys: keyring
            .entries()
            .map(|(id, alias, enabled, material)| KeyEntry {
                id: id.to_owned(),
                alias: alias.map(str::to_owned),
                enabled,
                material: BASE64.encode(material),
            })
            .collect(),
    };
    let body =
        Zeroizing::new(
            toml::to_string(&file).map_err(|err| CryptoError::InvalidKeyFile {
                path: path.to_owned(),
                reason: format!("failed to serialise the key file: {err}"),
            })?,
        );
    Ok(Zeroizing::new(format!(
        "# Tumbler key-encryption keys. Losing this file makes every stored secret unreadable,\n\
         # so back it up and keep it private (mode 0600).\n{}",
        body.as_str()
    )))
}

pub(super) fn temp_path(path: &Path) -> PathBuf {
    let mut suffix = [0u8; 6];
    OsRng.fill_bytes(&mut suffix);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", hex::encode(suffix)));
    path.with_file_name(name)
}

pub(super) fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), CryptoError> {
    let io_err = |source| CryptoError::Io {
        action: "failed to write key file",
        path: path.to_owned(),
        source,
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_err)?;
    file.write_all(contents).map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    Ok(())
}

pub(super) fn create_private_dir(dir: &Path) -> Result<(), CryptoError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| CryptoError::Io {
        action: "failed to create data directory",
        path: dir.to_owned(),
        source,
    })
}

#[cfg(test)]
#[path = "keyfile_tests.rs"]
mod tests;
