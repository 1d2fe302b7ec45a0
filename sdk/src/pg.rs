//! PostgreSQL helpers: identifier and literal quoting, connection options built
//! from a [`DatabaseSecret`], and the mapping of host `postgres` errors to
//! [`RotationError`].
//!
//! The connection itself is the host resource [`Connection`]: open it with
//! `Connection::open(&options)`, then call `query`, `execute` (both with bind
//! parameters) or `execute_batch` (simple protocol, no parameters).

use serde_json::Value;

use crate::RotationError;
use crate::secret::DatabaseSecret;

pub use crate::bindings::tumbler::rotator::postgres::{
    ConnectOptions, DbError, Error, PgValue, RowSet, TlsMode,
};

/// A connection opened by the host; natively, one to the [`crate::mock`]
/// host's database stand-in.
#[cfg(target_arch = "wasm32")]
pub use crate::bindings::tumbler::rotator::postgres::Connection;
#[cfg(not(target_arch = "wasm32"))]
pub use crate::mock::Connection;

/// Port used when the secret has no `port` key.
pub const DEFAULT_PORT: u16 = 5432;

/// Maximum length of a PostgreSQL identifier in bytes (`NAMEDATALEN` - 1 in
/// a default build). The server truncates longer names with only a notice.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Database used when the secret has no `dbname` key, as in the AWS
/// PostgreSQL rotation templates.
pub const DEFAULT_DATABASE: &str = "postgres";

/// Quotes `name` as a PostgreSQL delimited identifier: it is wrapped in double
/// quotes and each inner double quote is doubled, so the result is safe to
/// splice into SQL whatever the input contains.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when `name` is empty or contains a
/// NUL character, neither of which PostgreSQL accepts in an identifier.
pub fn quote_ident(name: &str) -> Result<String, RotationError> {
    if name.is_empty() {
        return Err(RotationError::InvalidSecret(
            "identifier is empty; PostgreSQL rejects zero-length identifiers".to_string(),
        ));
    }
    if name.contains('\0') {
        return Err(RotationError::InvalidSecret(
            "identifier contains a NUL character".to_string(),
        ));
    }
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for character in name.chars() {
        if character == '"' {
            quoted.push('"');
        }
        quoted.push(character);
    }
    quoted.push('"');
    Ok(quoted)
}

/// Quotes `value` as a PostgreSQL string literal that reads back as `value`
/// whatever the server's `standard_conforming_strings` setting is.
///
/// Single quotes are doubled. A value without backslashes becomes `'...'`.
/// A value with backslashes becomes an escape string `E'...'` with every
/// backslash doubled, because in a plain literal the meaning of a backslash
/// depends on `standard_conforming_strings`. PostgreSQL's own `quote_literal`
/// function makes the same choice.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when `value` contains a NUL
/// character, which PostgreSQL text cannot store. The message does not
/// include the value.
pub fn quote_literal(value: &str) -> Result<String, RotationError> {
    if value.contains('\0') {
        return Err(RotationError::InvalidSecret(
            "literal contains a NUL character".to_string(),
        ));
    }
    let has_backslash = value.contains('\\');
    let mut quoted = String::with_capacity(value.len() + 3);
    if has_backslash {
        quoted.push('E');
    }
    quoted.push('\'');
    for character in value.chars() {
        if character == '\'' || (has_backslash && character == '\\') {
            quoted.push(character);
        }
        quoted.push(character);
    }
    quoted.push('\'');
    Ok(quoted)
}

/// Maps the `ssl` key of a secret to a TLS mode, following the AWS rotation
/// templates: absent or unrecognised means [`TlsMode::Prefer`] (try TLS, then
/// fall back to plaintext), a true boolean or `"true"` (any case) means
/// [`TlsMode::VerifyFull`], and a false boolean or `"false"` means
/// [`TlsMode::Disable`].
///
/// As an extension, a string naming a libpq `sslmode` (`disable`, `prefer`,
/// `require`, `verify-ca`, `verify-full`) selects that mode.
pub fn tls_mode_from_ssl(ssl: Option<&Value>) -> TlsMode {
    match ssl {
        Some(Value::Bool(true)) => TlsMode::VerifyFull,
        Some(Value::Bool(false)) => TlsMode::Disable,
        Some(Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "verify-full" => TlsMode::VerifyFull,
            "false" | "disable" => TlsMode::Disable,
            "require" => TlsMode::Require,
            "verify-ca" => TlsMode::VerifyCa,
            _ => TlsMode::Prefer,
        },
        _ => TlsMode::Prefer,
    }
}

/// Builds connection options for the user in `secret`: its host and port
/// (default 5432), its `dbname` (default `postgres`) and the TLS mode from
/// `ssl`.
pub fn connect_options(secret: &DatabaseSecret) -> ConnectOptions {
    connect_options_with_tls(secret, tls_mode_from_ssl(secret.ssl.as_ref()))
}

/// Builds connection options like [`connect_options`] but with the given TLS
/// mode, for logging in with one secret under another secret's `ssl` setting.
pub fn connect_options_with_tls(secret: &DatabaseSecret, tls: TlsMode) -> ConnectOptions {
    ConnectOptions {
        host: secret.host.clone(),
        port: secret.port.unwrap_or(DEFAULT_PORT),
        database: secret
            .dbname
            .clone()
            .unwrap_or_else(|| DEFAULT_DATABASE.to_string()),
        user: secret.username.clone(),
        password: secret.password.clone(),
        tls,
    }
}

/// Reports whether the server rejected a login: SQLSTATE class 28
/// (`28000` invalid_authorization_specification, `28P01` invalid_password).
pub fn is_auth_failure(error: &Error) -> bool {
    matches!(error, Error::QueryFailed(db) if db.sqlstate.starts_with("28"))
}

/// Reports whether a failure is transient and worth retrying: network
/// failures, timeouts, and the SQLSTATE classes 08 (connection exception),
/// 53 (insufficient resources), 57P01-57P03 (server shutting down or starting)
/// and 40001/40P01 (serialization failure, deadlock).
pub fn is_transient(error: &Error) -> bool {
    match error {
        Error::ConnectionFailed(_) | Error::Timeout => true,
        Error::QueryFailed(db) => {
            let code = db.sqlstate.as_str();
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(code, "57P01" | "57P02" | "57P03" | "40001" | "40P01")
        }
        Error::Denied(_) | Error::TooLarge | Error::Other(_) => false,
    }
}

/// Converts a host `postgres` error into a rotation error whose case decides
/// whether the host retries: an allow-list rejection becomes `Denied`, a transient
/// failure (see [`is_transient`]) becomes `Unavailable`, and everything else
/// becomes `Other`. `context` describes what was being done, for example
/// `"connecting as app to db:5432"`.
///
/// The server's message is included. Use [`map_error_redacted`] for
/// statements that contain a secret, because PostgreSQL may quote part of the
/// statement in a syntax error.
pub fn map_error(error: Error, context: &str) -> RotationError {
    map_error_inner(error, context, true)
}

/// Converts a host `postgres` error like [`map_error`] but keeps only the
/// SQLSTATE and severity of a server error, never its message or detail.
pub fn map_error_redacted(error: Error, context: &str) -> RotationError {
    map_error_inner(error, context, false)
}

fn map_error_inner(error: Error, context: &str, include_message: bool) -> RotationError {
    let transient = is_transient(&error);
    let message = match error {
        Error::Denied(reason) => return RotationError::Denied(format!("{context}: {reason}")),
        Error::ConnectionFailed(reason) => format!("{context}: connection failed: {reason}"),
        Error::Timeout => format!("{context}: timed out"),
        Error::TooLarge => format!("{context}: result exceeds the host's size limit"),
        Error::Other(reason) => format!("{context}: {reason}"),
        Error::QueryFailed(db) => {
            let kind = if db.sqlstate.starts_with("28") {
                "authentication failed"
            } else {
                "server error"
            };
            if include_message {
                format!(
                    "{context}: {kind}: {} {} (SQLSTATE {})",
                    db.severity, db.message, db.sqlstate
                )
            } else {
                format!(
                    "{context}: {kind}: {} (SQLSTATE {})",
                    db.severity, db.sqlstate
                )
            }
        }
    };
    if transient {
        RotationError::Unavailable(message)
    } else {
        RotationError::Other(message)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn db_error(sqlstate: &str, message: &str) -> Error {
        Error::QueryFailed(DbError {
            sqlstate: sqlstate.to_string(),
            severity: "FATAL".to_string(),
            message: message.to_string(),
            detail: None,
        })
    }

    #[test]
    fn quote_ident_cases() {
        let cases = [
            ("app", "\"app\""),
            ("App User", "\"App User\""),
            ("a\"b", "\"a\"\"b\""),
            ("\"", "\"\"\"\""),
            ("x'; DROP ROLE y; --", "\"x'; DROP ROLE y; --\""),
            ("ünïcode", "\"ünïcode\""),
        ];
        for (input, expected) in cases {
            assert_eq!(quote_ident(input).unwrap(), expected, "input {input:?}");
        }
    }

    #[test]
    fn quote_ident_rejects_nul_and_empty() {
        assert!(matches!(
            quote_ident("a\0b"),
            Err(RotationError::InvalidSecret(_))
        ));
        assert!(matches!(
            quote_ident(""),
            Err(RotationError::InvalidSecret(_))
        ));
    }

    #[test]
    fn quote_literal_cases() {
        let cases = [
            ("plain", "'plain'"),
            ("", "''"),
            ("it's", "'it''s'"),
            ("''", "''''''"),
            ("back\\slash", "E'back\\\\slash'"),
            ("both\\'", "E'both\\\\'''"),
            ("\"dq\"", "'\"dq\"'"),
            ("$$dollar$$", "'$$dollar$$'"),
        ];
        for (input, expected) in cases {
            assert_eq!(quote_literal(input).unwrap(), expected, "input {input:?}");
        }
    }

    #[test]
    fn quote_literal_rejects_nul_without_value() {
        let error = quote_literal("secret\0value").unwrap_err();
        let RotationError::InvalidSecret(message) = error else {
            panic!("expected RotationError::InvalidSecret");
        };
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn tls_mode_mapping() {
        let cases = [
            (None, TlsMode::Prefer),
            (Some(json!(true)), TlsMode::VerifyFull),
            (Some(json!(false)), TlsMode::Disable),
            (Some(json!("TRUE")), TlsMode::VerifyFull),
            (Some(json!("false")), TlsMode::Disable),
            (Some(json!("require")), TlsMode::Require),
            (Some(json!("verify-ca")), TlsMode::VerifyCa),
            (Some(json!("maybe")), TlsMode::Prefer),
            (Some(json!(1)), TlsMode::Prefer),
            (Some(Value::Null), TlsMode::Prefer),
        ];
        for (ssl, expected) in cases {
            let mode = tls_mode_from_ssl(ssl.as_ref());
            assert_eq!(mode, expected, "ssl {ssl:?}");
        }
    }

    #[test]
    fn connect_options_defaults() {
        let text = json!({"engine": "postgres", "host": "db", "username": "u", "password": "p"});
        let secret = DatabaseSecret::from_json_str(&text.to_string()).unwrap();
        let options = connect_options(&secret);
        assert_eq!(options.host, "db");
        assert_eq!(options.port, 5432);
        assert_eq!(options.database, "postgres");
        assert_eq!(options.user, "u");
        assert_eq!(options.tls, TlsMode::Prefer);
    }

    #[test]
    fn error_mapping_cases() {
        let denied = map_error(Error::Denied("host not allowed".into()), "connecting");
        assert!(matches!(denied, RotationError::Denied(_)));

        let refused = map_error(Error::ConnectionFailed("refused".into()), "connecting");
        assert!(matches!(refused, RotationError::Unavailable(_)));

        let timeout = map_error(Error::Timeout, "connecting");
        assert!(matches!(timeout, RotationError::Unavailable(_)));

        let starting = map_error(db_error("57P03", "starting up"), "connecting");
        assert!(matches!(starting, RotationError::Unavailable(_)));

        let bad_password = map_error(
            db_error("28P01", "password authentication failed"),
            "connecting",
        );
        assert!(matches!(bad_password, RotationError::Other(_)));
        assert!(is_auth_failure(&db_error("28000", "no pg_hba.conf entry")));
        assert!(!is_auth_failure(&db_error("3D000", "no such database")));
    }

    #[test]
    fn redacted_mapping_drops_server_message() {
        let error = db_error("42601", "syntax error at or near \"hunter2\"");
        let RotationError::Other(message) = map_error_redacted(error, "altering role") else {
            panic!("expected RotationError::Other");
        };
        assert!(message.contains("42601"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
