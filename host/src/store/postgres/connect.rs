//! Opening a PostgreSQL store from a connection URL.

use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::PostgresStore;
use crate::store::StoreError;

/// Connections in each replica's pool.
const MAX_CONNECTIONS: u32 = 10;

/// How long a request waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Returns whether `url` names a PostgreSQL database (`postgres://` or
/// `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.get(..13).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Returns the URL without its password, for messages and logs. A URL that
/// does not parse is shown only by its scheme.
pub fn redacted_url(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(options) => {
            let database = options.get_database().unwrap_or("");
            format!(
                "postgres://{}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                database
            )
        }
        Err(_) => "postgres://(unparsable URL)".to_owned(),
    }
}

impl PostgresStore {
    /// Connects to the database at `url` and applies migrations. Several
    /// replicas may call this at once: the migrator holds an advisory lock.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let shown = redacted_url(url);
        let options = PgConnectOptions::from_str(url)
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?
            // Statements are logged by Tumbler's own spans, which name no values.
            .disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: shown,
                source,
            })?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }
}
