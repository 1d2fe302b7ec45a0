//! Logging in with the AWSCURRENT credentials after each check, to catch a
//! rotator that changed the target without updating the secret.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection};

use crate::wasm::AllowList;
use crate::wasm::egress::resolve_checked;

/// Time allowed for one login attempt.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Result of trying a secret's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialStatus {
    /// The login succeeded; the text names what was tried, without secrets.
    Works(String),
    /// The login failed; the text gives the reason, without secrets.
    Rejected(String),
    /// The check cannot tell, for example for an engine it does not know.
    Unknown(String),
}

/// Tries the credentials in a secret value. Implement it to let the harness
/// check a target that [`EngineCredentialCheck`] does not know.
#[async_trait]
pub trait CredentialCheck: Send + Sync {
    /// Tries `secret_string`. Connections must stay within `allow_list`,
    /// the same list the rotator runs with.
    async fn check(&self, secret_string: &str, allow_list: &AllowList) -> CredentialStatus;
}

/// Logs in to the database named by the secret's `engine` key: PostgreSQL
/// (`postgres`, `aurora-postgresql`) for now. Other engines give
/// [`CredentialStatus::Unknown`].
pub struct EngineCredentialCheck;

#[async_trait]
impl CredentialCheck for EngineCredentialCheck {
    async fn check(&self, secret_string: &str, allow_list: &AllowList) -> CredentialStatus {
        let Ok(Value::Object(secret)) = serde_json::from_str::<Value>(secret_string) else {
            return CredentialStatus::Unknown("the value is not a JSON object".to_string());
        };
        let engine = secret.get("engine").and_then(Value::as_str).unwrap_or_default();
        match engine {
            "postgres" | "aurora-postgresql" => postgres_login(&secret, allow_list).await,
            "" => CredentialStatus::Unknown("the secret has no engine key".to_string()),
            other => CredentialStatus::Unknown(format!("no login check for engine {other}")),
        }
    }
}

async fn postgres_login(secret: &serde_json::Map<String, Value>, allow_list: &AllowList) -> CredentialStatus {
    let text = |key: &str| secret.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let host = text("host");
    let user = text("username");
    let port = match secret.get("port") {
        None => 5432,
        Some(Value::Number(number)) => number.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(0),
        Some(Value::String(port)) => port.parse().unwrap_or(0),
        Some(_) => 0,
    };
    if host.is_empty() || user.is_empty() || port == 0 {
        return CredentialStatus::Unknown("the secret lacks a valid host, port or username".to_string());
    }
    let database = secret
        .get("dbname")
        .and_then(Value::as_str)
        .unwrap_or("postgres")
        .to_string();
    let target = format!("{user}@{host}:{port}/{database}");

    let allowed = allow_list.check("postgres", &host, port);
    let addresses = match resolve_checked(&host, port, allowed).await {
        Ok(addresses) => addresses,
        Err(denied) => return CredentialStatus::Unknown(format!("not logging in to {target}: {denied}")),
    };
    let options = PgConnectOptions::new_without_pgpass()
        .host(&addresses[0].ip().to_string())
        .port(port)
        .username(&user)
        .password(&text("password"))
        .database(&database)
        .ssl_mode(PgSslMode::Prefer)
        .application_name("tumbler-harness")
        .disable_statement_logging();
    match tokio::time::timeout(LOGIN_TIMEOUT, options.connect()).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            CredentialStatus::Works(format!("AWSCURRENT logs in as {target}"))
        }
        Ok(Err(sqlx::Error::Database(error))) => CredentialStatus::Rejected(format!(
            "AWSCURRENT cannot log in as {target}: SQLSTATE {}",
            error.code().unwrap_or_default()
        )),
        Ok(Err(error)) => CredentialStatus::Rejected(format!(
            "AWSCURRENT cannot log in as {target}: {}",
            connection_error_kind(&error)
        )),
        Err(_) => CredentialStatus::Rejected(format!(
            "logging in as {target} timed out after {}s",
            LOGIN_TIMEOUT.as_secs()
        )),
    }
}

/// Names a connection failure without its message, which for some errors
/// could quote connection parameters.
fn connection_error_kind(error: &sqlx::Error) -> &'static str {
    match error {
        sqlx::Error::Io(_) => "the server could not be reached",
        sqlx::Error::Tls(_) => "TLS failed",
        sqlx::Error::PoolTimedOut => "timed out",
        _ => "the connection failed",
    }
}
