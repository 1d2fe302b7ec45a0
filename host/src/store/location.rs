//! Store location: the SQLite file in the data directory (the default),
//! another SQLite file, or a PostgreSQL database shared by replicas.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::postgres::{is_postgres_url, redacted_url};
use super::{PostgresStore, SqliteStore, Store, StoreError};
use crate::auth::AccessKeyStore;

/// Name of the SQLite database inside the data directory.
pub const DATABASE_FILE: &str = "tumbler.db";

/// A parsed store setting (`--store`, `TUMBLER_STORE` or `store` in
/// `tumbler.toml`).
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, which may hold a password.
    Postgres(String),
}

impl StoreLocation {
    /// Returns the default location, `tumbler.db` in the data directory.
    pub fn default_for(data_dir: &Path) -> StoreLocation {
        StoreLocation::Sqlite(data_dir.join(DATABASE_FILE))
    }

    /// Parses `postgres://...`, `postgresql://...` or `sqlite://PATH`. A
    /// relative SQLite path is taken relative to the data directory.
    pub fn parse(setting: &str, data_dir: &Path) -> Result<StoreLocation, String> {
        let setting = setting.trim();
        if is_postgres_url(setting) {
            return Ok(StoreLocation::Postgres(setting.to_owned()));
        }
        if let Some(path) = setting.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("the store URL sqlite:// names no file; use sqlite://PATH".into());
            }
            return Ok(StoreLocation::Sqlite(data_dir.join(path)));
        }
        let scheme = setting.split("://").next().filter(|_| setting.contains("://"));
        Err(match scheme {
            Some(scheme) => format!(
                "unsupported store scheme {scheme}://; use postgres://USER@HOST:PORT/DATABASE or \
                 sqlite://PATH"
            ),
            None => "the store setting is not a URL; use postgres://USER@HOST:PORT/DATABASE or \
                     sqlite://PATH"
                .to_owned(),
        })
    }

    /// Opens the store, creating and migrating it when needed.
    pub async fn open(&self) -> Result<OpenedStore, StoreError> {
        match self {
            StoreLocation::Sqlite(path) => {
                let store = SqliteStore::open(path).await?;
                Ok(OpenedStore {
                    store: Arc::new(store.clone()),
                    access_keys: Arc::new(store),
                })
            }
            StoreLocation::Postgres(url) => {
                let store = PostgresStore::connect(url).await?;
                Ok(OpenedStore {
                    store: Arc::new(store.clone()),
                    access_keys: Arc::new(store),
                })
            }
        }
    }

    /// Returns whether processes on several hosts may share this store.
    pub fn is_shared(&self) -> bool {
        matches!(self, StoreLocation::Postgres(_))
    }
}

/// Shown without the password of a PostgreSQL URL.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "{}", path.display()),
            StoreLocation::Postgres(url) => f.write_str(&redacted_url(url)),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreLocation({self})")
    }
}

/// An open store, seen through both of its interfaces.
#[derive(Clone)]
pub struct OpenedStore {
    pub store: Arc<dyn Store>,
    pub access_keys: Arc<dyn AccessKeyStore>,
}
