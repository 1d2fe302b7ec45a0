//! Logging in with the credentials of a secret.

use super::{
    Connection, DEFAULT_PORT, SslMode, connect_options_with_ssl, is_auth_failure, map_error,
};
use crate::secret::DatabaseSecret;
use crate::{RotationError, log};

/// Describes a login for messages, for example `logging in as app to
/// db:3306 with the AWSCURRENT password`.
pub fn login_context(secret: &DatabaseSecret, label: &str) -> String {
    format!(
        "logging in as {} to {}:{} with the {label} password",
        secret.username,
        secret.host,
        secret.port.unwrap_or(DEFAULT_PORT)
    )
}

/// Opens a connection with `secret` under SSL mode `ssl`. Returns `Ok(None)`
/// when the server rejects the login (error 1045 or 1698: wrong password or
/// unknown account), so the caller can try other credentials. Failures that
/// other credentials would hit too are errors: an allow-list rejection, an
/// unreachable server or a timeout. `label` names the credentials in
/// messages, for example `AWSCURRENT`.
pub fn try_login(
    secret: &DatabaseSecret,
    ssl: SslMode,
    label: &str,
) -> Result<Option<Connection>, RotationError> {
    let options = connect_options_with_ssl(secret, ssl);
    let error = match Connection::open(&options) {
        Ok(connection) => return Ok(Some(connection)),
        Err(error) => error,
    };
    if is_auth_failure(&error) {
        let code = super::server_error_code(&error).unwrap_or_default();
        log::info(&format!(
            "{} was rejected: MySQL error {code}",
            login_context(secret, label)
        ));
        return Ok(None);
    }
    Err(map_error(error, &login_context(secret, label)))
}
