//! Store selection for tests: with `TUMBLER_TEST_STORE` set to a PostgreSQL
//! URL, every test that opens a data directory gets its own fresh schema in
//! that database instead of a SQLite file.

use std::str::FromStr;

use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;

use super::StoreError;
use super::postgres::is_postgres_url;

/// Environment variable that selects the store the test suite runs on.
pub const TEST_STORE_ENV: &str = "TUMBLER_TEST_STORE";

/// Returns the PostgreSQL URL that tests run against, or `None` for SQLite.
/// It panics on any value other than empty, `sqlite` or a PostgreSQL URL, so
/// a typing mistake cannot run the suite on the wrong store unnoticed.
pub fn test_postgres_url() -> Option<String> {
    let value = std::env::var(TEST_STORE_ENV).ok()?;
    let value = value.trim();
    if value.is_empty() || value == "sqlite" {
        return None;
    }
    assert!(
        is_postgres_url(value),
        "{TEST_STORE_ENV} must be `sqlite` or a postgres:// URL"
    );
    Some(value.to_owned())
}

/// Creates a new, empty schema in the database at `base_url` and returns a
/// URL whose connections use it as their search path.
pub async fn fresh_postgres_schema(base_url: &str) -> Result<String, StoreError> {
    let schema = format!("tumbler_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnectOptions::from_str(base_url)?.connect().await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await?;
    let separator = if base_url.contains('?') { '&' } else { '?' };
    Ok(format!("{base_url}{separator}options[search_path]={schema}"))
}

/// The store URL a test should configure, creating a fresh PostgreSQL schema
/// when the suite runs on PostgreSQL. Usable from synchronous tests and from
/// inside a Tokio runtime alike.
pub fn test_store_url() -> Option<String> {
    let base = test_postgres_url()?;
    let url = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime for the schema setup")
            .block_on(fresh_postgres_schema(&base))
    })
    .join()
    .expect("the schema setup thread panicked")
    .expect("create a fresh PostgreSQL schema for the test");
    Some(url)
}

/// Database that `.ci/setup-postgres` recreates for store tests.
pub const STORE_TEST_DATABASE: &str = "tumbler_store_test";

/// URL of [`STORE_TEST_DATABASE`] on the server that `TUMBLER_TEST_PG_HOST`,
/// `_PORT`, `_USER` and `_PASSWORD` name (default `postgres@127.0.0.1:5432`).
pub fn default_test_postgres_url() -> String {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let user = var("TUMBLER_TEST_PG_USER", "postgres");
    let password = var("TUMBLER_TEST_PG_PASSWORD", "");
    let credentials = if password.is_empty() {
        user
    } else {
        format!("{user}:{}", utf8_percent_encode(&password))
    };
    format!(
        "postgres://{credentials}@{}:{}/{STORE_TEST_DATABASE}",
        var("TUMBLER_TEST_PG_HOST", "127.0.0.1"),
        var("TUMBLER_TEST_PG_PORT", "5432")
    )
}

/// Percent-encodes everything but unreserved URL characters.
fn utf8_percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Opens a PostgreSQL store in a fresh schema, for tests of the PostgreSQL
/// store itself. The server is the one `TUMBLER_TEST_STORE` names, else
/// [`default_test_postgres_url`]. Panics when the server is unreachable.
pub async fn fresh_postgres_store() -> (super::PostgresStore, String) {
    let base = test_postgres_url().unwrap_or_else(default_test_postgres_url);
    let url = fresh_postgres_schema(&base).await.unwrap_or_else(|error| {
        panic!(
            "PostgreSQL for store tests is unreachable at {}: {error}; run .ci/setup-postgres",
            super::redacted_url(&base)
        )
    });
    let store = super::PostgresStore::connect(&url)
        .await
        .expect("connect to the fresh schema");
    (store, url)
}

/// A store for one unit test: a fresh PostgreSQL schema when the suite runs
/// on PostgreSQL, else `tumbler.db` in the test's directory. [`open`] may be
/// called again to get a second connection, as another process would.
///
/// [`open`]: TestStore::open
pub struct TestStore {
    pub location: super::StoreLocation,
}

impl TestStore {
    pub async fn new(dir: &std::path::Path) -> TestStore {
        let location = match test_postgres_url() {
            Some(base) => super::StoreLocation::Postgres(
                fresh_postgres_schema(&base)
                    .await
                    .expect("create a fresh PostgreSQL schema for the test"),
            ),
            None => super::StoreLocation::default_for(dir),
        };
        TestStore { location }
    }

    /// Opens the store; each call makes a new pool.
    pub async fn open(&self) -> std::sync::Arc<dyn super::Store> {
        self.location.open().await.expect("open the test store").store
    }

    /// Runs one statement on the store's tables, bypassing Tumbler, to damage
    /// or inspect rows. `$1` is bound to `param`.
    pub async fn execute_raw(&self, sql: &str, param: Vec<u8>) -> u64 {
        match &self.location {
            super::StoreLocation::Sqlite(path) => {
                let store = super::SqliteStore::open(path).await.expect("open the test database");
                sqlx::query(sql).bind(param).execute(store.pool()).await.expect("raw statement")
                    .rows_affected()
            }
            super::StoreLocation::Postgres(url) => {
                let mut conn = PgConnectOptions::from_str(url)
                    .expect("test store URL")
                    .connect()
                    .await
                    .expect("connect to the test schema");
                sqlx::query(sql).bind(param).execute(&mut conn).await.expect("raw statement")
                    .rows_affected()
            }
        }
    }
}

