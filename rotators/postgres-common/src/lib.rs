//! Helpers shared by Tumbler's PostgreSQL rotators: reading and checking
//! secret versions, and logging in with the credentials of one version.

use tumbler_sdk::pg::{self, Connection, TlsMode};
use tumbler_sdk::secrets::{self, Selector};
use tumbler_sdk::{DatabaseSecret, RotationError, log};

/// Values of the secret's `engine` key that the PostgreSQL rotators accept.
pub const SUPPORTED_ENGINES: &[&str] = &["postgres", "aurora-postgresql"];

/// Reads and parses a secret version that must exist.
pub fn load(arn: &str, selector: &Selector) -> Result<DatabaseSecret, RotationError> {
    let value = secrets::get_required(arn, selector)?;
    let secret = DatabaseSecret::from_secret_value(&value)?;
    check_engine(&secret)?;
    Ok(secret)
}

/// Reads and parses a secret version, returning `None` when it is missing or
/// invalid, as the AWS template does for AWSPREVIOUS.
pub fn load_optional(
    arn: &str,
    selector: &Selector,
) -> Result<Option<DatabaseSecret>, RotationError> {
    let Some(value) = secrets::get_value(arn, selector)? else {
        return Ok(None);
    };
    let parsed = DatabaseSecret::from_secret_value(&value)
        .and_then(|secret| check_engine(&secret).map(|()| secret));
    match parsed {
        Ok(secret) => Ok(Some(secret)),
        Err(error) => {
            log::warn(&format!(
                "setSecret: ignoring an invalid AWSPREVIOUS value of {arn}: {error}"
            ));
            Ok(None)
        }
    }
}

/// Checks that the secret's `engine` is one of [`SUPPORTED_ENGINES`].
pub fn check_engine(secret: &DatabaseSecret) -> Result<(), RotationError> {
    if SUPPORTED_ENGINES.contains(&secret.engine.as_str()) {
        Ok(())
    } else {
        Err(RotationError::InvalidSecret(format!(
            "secret JSON key `engine` is `{}`; this rotator supports {}",
            secret.engine,
            SUPPORTED_ENGINES.join(", ")
        )))
    }
}

/// Returns the TLS mode of the secret's own `ssl` key.
pub fn tls_of(secret: &DatabaseSecret) -> TlsMode {
    pg::tls_mode_from_ssl(secret.ssl.as_ref())
}

/// Opens a connection with `secret`. Returns `Ok(None)` when the server
/// rejects the login (SQLSTATE class 28: wrong password or unknown role), so
/// the caller can try other credentials. Failures that other credentials would
/// hit too are errors: a missing database, an allow-list rejection, an
/// unreachable server or a timeout.
pub fn try_login(
    secret: &DatabaseSecret,
    tls: TlsMode,
    label: &str,
) -> Result<Option<Connection>, RotationError> {
    let options = pg::connect_options_with_tls(secret, tls);
    let error = match Connection::open(&options) {
        Ok(connection) => return Ok(Some(connection)),
        Err(error) => error,
    };
    if let pg::Error::QueryFailed(db) = &error
        && pg::is_auth_failure(&error)
    {
        log::info(&format!(
            "{} was rejected: SQLSTATE {}",
            login_context(secret, label),
            db.sqlstate
        ));
        return Ok(None);
    }
    Err(pg::map_error(error, &login_context(secret, label)))
}

/// Opens a connection with `secret` and its own TLS mode, treating every
/// failure, a rejected login included, as an error.
pub fn login(secret: &DatabaseSecret, label: &str) -> Result<Connection, RotationError> {
    Connection::open(&pg::connect_options(secret))
        .map_err(|error| pg::map_error(error, &login_context(secret, label)))
}

/// Describes a login for messages: user, server and the label of the
/// password used.
pub fn login_context(secret: &DatabaseSecret, label: &str) -> String {
    format!(
        "logging in as {} to {}:{} with the {label} password",
        secret.username,
        secret.host,
        secret.port.unwrap_or(pg::DEFAULT_PORT)
    )
}
