//! Cache of compiled rotators, so a process start skips compilation.
//!
//! Artifacts live at `<data dir>/wasm-cache/wasmtime-<major>/<compat>/<sha256>.cwasm`,
//! where `<sha256>` is the digest of the component bytes and `<compat>` is
//! derived from `Engine::precompile_compatibility_hash`, which in wasmtime 48
//! covers the exact wasmtime version and the engine configuration. Each file
//! starts with an HMAC-SHA256 tag over the digest, the compatibility key and
//! the artifact, keyed by `<data dir>/wasm-cache.key` (mode 0600). A file
//! whose tag does not verify is deleted and the rotator is compiled again.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;
use zeroize::Zeroizing;

use super::precompiled::{AuthenticatedArtifact, deserialize_component};

/// Directory under the data directory that contains the artifacts.
pub const CACHE_DIR: &str = "wasm-cache";

/// File under the data directory that contains the HMAC key.
pub const CACHE_KEY_FILE: &str = "wasm-cache.key";

/// Major version of the wasmtime crate the host links. The exact version is
/// part of the compatibility hash.
const WASMTIME_MAJOR: &str = "48";

/// First bytes of every cache file, before the tag.
const MAGIC: &[u8; 8] = b"TMBLRC01";
const TAG_LEN: usize = 32;
const KEY_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Failures to set up the cache directory or write an artifact. Reading
/// never fails: a missing or invalid artifact is a cache miss.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("could not use the compiled-rotator cache at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the cache key file {path} is invalid: {reason}; delete it to create a new key")]
    InvalidKey { path: PathBuf, reason: String },
    #[error("could not serialize the compiled rotator: {0}")]
    Serialize(String),
}

/// Result of [`ArtifactCache::load`].
pub enum CacheLookup {
    Hit(Component),
    /// No artifact, or one that was discarded. The reason is logged.
    Miss,
}

/// The compiled-rotator cache of one data directory. Cloning is cheap.
#[derive(Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
    compat: String,
    key: Arc<Zeroizing<[u8; KEY_LEN]>>,
}

impl std::fmt::Debug for ArtifactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCache").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl ArtifactCache {
    /// Opens the cache of `data_dir` for `engine`, creating the directory
    /// (mode 0700) and the key file (mode 0600) on first use.
    pub fn open(data_dir: &Path, engine: &Engine) -> Result<Self, CacheError> {
        let key = load_or_create_key(&data_dir.join(CACHE_KEY_FILE))?;
        let compat = compatibility_key(engine);
        let root = data_dir.join(CACHE_DIR);
        let dir = root.join(format!("wasmtime-{WASMTIME_MAJOR}")).join(&compat);
        create_private_dir(&dir)?;
        Ok(Self {
            dir,
            compat,
            key: Arc::new(key),
        })
    }

    /// Path of the artifact for a component digest.
    pub fn artifact_path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}.cwasm"))
    }

    /// Loads the artifact for `sha256` if it exists and its tag verifies;
    /// deletes it otherwise.
    pub fn load(&self, engine: &Engine, sha256: &str) -> CacheLookup {
        if !is_hex_digest(sha256) {
            return CacheLookup::Miss;
        }
        let path = self.artifact_path(sha256);
        let file = match fs::read(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return CacheLookup::Miss,
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "could not read a cached rotator; compiling it again");
                return CacheLookup::Miss;
            }
        };
        let artifact = match self.authenticate(sha256, file) {
            Ok(artifact) => artifact,
            Err(reason) => {
                self.discard(&path, reason);
                return CacheLookup::Miss;
            }
        };
        match deserialize_component(engine, &artifact) {
            Ok(component) => CacheLookup::Hit(component),
            Err(error) => {
                self.discard(&path, &format!("{error:#}"));
                CacheLookup::Miss
            }
        }
    }

    /// Writes the artifact of a compiled component: a temporary file that is
    /// synced and then renamed, so readers never see a partial file.
    pub fn store(&self, sha256: &str, component: &Component) -> Result<(), CacheError> {
        if !is_hex_digest(sha256) {
            return Err(CacheError::Serialize(format!("{sha256:?} is not a SHA-256 digest")));
        }
        let artifact = component
            .serialize()
            .map_err(|error| CacheError::Serialize(format!("{error:#}")))?;
        let tag = self.tag(sha256, &artifact);

        let path = self.artifact_path(sha256);
        // A random suffix keeps two writers of the same digest, in one process
        // or several, off each other's temporary file.
        let suffix: u64 = rand::random();
        let temporary = self.dir.join(format!(".{sha256}.{suffix:016x}.tmp"));
        let io_error = |source| CacheError::Io {
            path: temporary.clone(),
            source,
        };
        let mut file = private_file(&temporary).map_err(io_error)?;
        file.write_all(MAGIC).map_err(io_error)?;
        file.write_all(&tag).map_err(io_error)?;
        file.write_all(&artifact).map_err(io_error)?;
        file.sync_all().map_err(io_error)?;
        drop(file);
        fs::rename(&temporary, &path).map_err(|source| CacheError::Io {
            path: path.clone(),
            source,
        })
    }

    fn authenticate(&self, sha256: &str, mut file: Vec<u8>) -> Result<AuthenticatedArtifact, &'static str> {
        if file.len() < MAGIC.len() + TAG_LEN || &file[..MAGIC.len()] != MAGIC {
            return Err("the file has no cache header");
        }
        let mut mac = self.mac(sha256);
        mac.update(&file[MAGIC.len() + TAG_LEN..]);
        mac.verify_slice(&file[MAGIC.len()..MAGIC.len() + TAG_LEN])
            .map_err(|_| "its HMAC does not verify (tampered, or written with another cache key)")?;
        file.drain(..MAGIC.len() + TAG_LEN);
        Ok(AuthenticatedArtifact::after_mac_check(file))
    }

    fn tag(&self, sha256: &str, artifact: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = self.mac(sha256);
        mac.update(artifact);
        mac.finalize().into_bytes().into()
    }

    /// Starts an HMAC over the fields that name the artifact, so a valid
    /// file copied to another digest's name does not verify.
    fn mac(&self, sha256: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(self.key.as_slice()).expect("HMAC accepts any key length");
        mac.update(MAGIC);
        mac.update(sha256.as_bytes());
        mac.update(b"\0");
        mac.update(self.compat.as_bytes());
        mac.update(b"\0");
        mac
    }

    fn discard(&self, path: &Path, reason: &str) {
        tracing::warn!(path = %path.display(), reason, "discarded a cached rotator; compiling it again");
        if let Err(error) = fs::remove_file(path) {
            tracing::warn!(path = %path.display(), %error, "could not delete the discarded cache file");
        }
    }
}

/// Feeds `Hash` output into SHA-256, which is stable across Rust releases
/// and processes, unlike `DefaultHasher`.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Returns 16 hex digits of the engine's precompile compatibility hash.
fn compatibility_key(engine: &Engine) -> String {
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex::encode(&hasher.0.finalize()[..8])
}

fn is_hex_digest(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

fn load_or_create_key(path: &Path) -> Result<Zeroizing<[u8; KEY_LEN]>, CacheError> {
    let io_error = |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    };
    match fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| CacheError::InvalidKey {
                path: path.to_path_buf(),
                reason: format!("it has {} bytes instead of {KEY_LEN}", bytes.len()),
            })?;
            Ok(Zeroizing::new(key))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key.as_mut_slice());
            match private_file_new(path) {
                Ok(mut file) => {
                    file.write_all(key.as_slice()).map_err(io_error)?;
                    file.sync_all().map_err(io_error)?;
                    Ok(key)
                }
                // Another process created the key first, so use that key.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_key(path),
                Err(error) => Err(io_error(error)),
            }
        }
        Err(error) => Err(io_error(error)),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), CacheError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| CacheError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), CacheError> {
    fs::create_dir_all(dir).map_err(|source| CacheError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

fn private_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates or truncates a file with mode 0600.
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    private_options().create(true).truncate(true).open(path)
}

/// Creates a file with mode 0600, or fails if it exists.
fn private_file_new(path: &Path) -> std::io::Result<fs::File> {
    private_options().create_new(true).open(path)
}
