/// Errors of the persistence layer. Messages name tables, ids and labels, never
/// values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A live secret with this name already exists.
    #[error("a secret named {0} already exists")]
    NameExists(String),

    /// An installed rotator with this name already exists.
    #[error("a rotator named {0} is already installed")]
    RotatorExists(String),

    /// The secret has a version with this id already.
    #[error("version {version_id} already exists")]
    VersionExists { version_id: String },

    /// The secret, version or rotation row does not exist.
    #[error("{0} not found")]
    NotFound(String),

    /// A concurrent change moved a label or filled a version between the read
    /// and the write; the caller may re-read and retry.
    #[error("concurrent modification: {0}")]
    Conflict(String),

    /// A stored row violates an invariant (unknown enum text, bad JSON).
    #[error("corrupt row: {0}")]
    Corrupt(String),

    /// Opening the database or applying migrations failed.
    #[error("failed to open database {path}: {source}")]
    Open { path: String, source: sqlx::Error },

    /// The connection that watches the database file for commits failed.
    #[error("failed to watch database {path} for changes: {reason}")]
    Watch { path: String, reason: String },

    #[error("failed to apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}
