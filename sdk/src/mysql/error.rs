//! Mapping of host `mysql` errors to [`RotationError`].

use super::Error;
use crate::RotationError;

/// Server error numbers of a rejected login: 1045 `ER_ACCESS_DENIED_ERROR`
/// (wrong password or unknown account) and 1698
/// `ER_ACCESS_DENIED_NO_PASSWORD_ERROR`.
const AUTH_FAILURES: &[u16] = &[1045, 1698];

/// Server error numbers worth retrying: 1040 too many connections, 1053
/// server shutdown in progress, 1205 lock wait timeout, 1213 deadlock, 1927
/// connection killed (MariaDB), 1969 statement time exceeded (MariaDB) and
/// 3024 execution time exceeded (MySQL).
const TRANSIENT_CODES: &[u16] = &[1040, 1053, 1205, 1213, 1927, 1969, 3024];

/// Returns the server's error number, or `None` when the error did not come
/// from the server.
pub fn server_error_code(error: &Error) -> Option<u16> {
    match error {
        Error::QueryFailed(db) => Some(db.code),
        _ => None,
    }
}

/// Reports whether the server rejected a login (see `AUTH_FAILURES`).
pub fn is_auth_failure(error: &Error) -> bool {
    matches!(error, Error::QueryFailed(db) if AUTH_FAILURES.contains(&db.code))
}

/// Reports whether a failure is transient and worth retrying: network
/// failures, timeouts, SQLSTATE class 08 (connection exception) and the
/// error numbers in `TRANSIENT_CODES`.
pub fn is_transient(error: &Error) -> bool {
    match error {
        Error::ConnectionFailed(_) | Error::Timeout => true,
        Error::QueryFailed(db) => {
            db.sqlstate.starts_with("08") || TRANSIENT_CODES.contains(&db.code)
        }
        Error::Denied(_) | Error::TooLarge | Error::Other(_) => false,
    }
}

/// Converts a host `mysql` error into a rotation error whose case decides
/// whether the host retries: an allow-list rejection becomes `Denied`, a
/// transient failure (see [`is_transient`]) becomes `Unavailable`, and
/// everything else becomes `Other`. `context` describes what was being done,
/// for example `"connecting as app to db:3306"`.
///
/// The server's message is included. Use [`map_error_redacted`] for
/// statements that contain a secret, because MySQL quotes part of the
/// statement in a syntax error.
pub fn map_error(error: Error, context: &str) -> RotationError {
    map_error_inner(error, context, true)
}

/// Converts a host `mysql` error like [`map_error`] but keeps only the error
/// number and SQLSTATE of a server error, never its message.
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
            let kind = if AUTH_FAILURES.contains(&db.code) {
                "authentication failed"
            } else {
                "server error"
            };
            if include_message {
                format!(
                    "{context}: {kind}: {} (MySQL error {}, SQLSTATE {})",
                    db.message, db.code, db.sqlstate
                )
            } else {
                format!(
                    "{context}: {kind} (MySQL error {}, SQLSTATE {})",
                    db.code, db.sqlstate
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
    use super::*;
    use crate::mysql::DbError;

    fn db_error(code: u16, sqlstate: &str, message: &str) -> Error {
        Error::QueryFailed(DbError {
            code,
            sqlstate: sqlstate.to_string(),
            message: message.to_string(),
        })
    }

    #[test]
    fn denied_maps_to_denied() {
        let mapped = map_error(Error::Denied("host not allowed".into()), "connecting");
        assert!(matches!(mapped, RotationError::Denied(_)));
    }

    #[test]
    fn network_failures_are_retried() {
        let refused = map_error(Error::ConnectionFailed("refused".into()), "connecting");
        assert!(matches!(refused, RotationError::Unavailable(_)));
        let timeout = map_error(Error::Timeout, "connecting");
        assert!(matches!(timeout, RotationError::Unavailable(_)));
        let too_many = map_error(
            db_error(1040, "08004", "Too many connections"),
            "connecting",
        );
        assert!(matches!(too_many, RotationError::Unavailable(_)));
    }

    #[test]
    fn rejected_login_is_not_retried() {
        let error = db_error(1045, "28000", "Access denied for user 'app'@'10.0.0.1'");
        assert!(is_auth_failure(&error));
        assert!(matches!(
            map_error(error, "connecting"),
            RotationError::Other(_)
        ));
    }

    #[test]
    fn missing_privilege_is_not_an_auth_failure() {
        let error = db_error(
            1227,
            "42000",
            "Access denied; you need the CREATE USER privilege",
        );
        assert!(!is_auth_failure(&error));
        assert_eq!(server_error_code(&error), Some(1227));
    }

    #[test]
    fn redacted_mapping_drops_server_message() {
        let error = db_error(1064, "42000", "near 'hunter2' at line 1");
        let RotationError::Other(message) = map_error_redacted(error, "setting the password")
        else {
            panic!("expected RotationError::Other");
        };
        assert!(message.contains("1064"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
