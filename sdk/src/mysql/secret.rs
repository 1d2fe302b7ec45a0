//! Reading MySQL database secrets.

use serde_json::Value;

use super::HOST_PART_KEY;
use crate::secret::DatabaseSecret;
use crate::secrets::{self, Selector};
use crate::{RotationError, log};

/// Values of the secret's `engine` key that the MySQL helpers accept.
pub const ENGINES: &[&str] = &["mysql", "aurora-mysql", "mariadb"];

/// Checks that the secret's `engine` is one of [`ENGINES`].
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` naming the engine otherwise.
pub fn check_engine(secret: &DatabaseSecret) -> Result<(), RotationError> {
    if ENGINES.contains(&secret.engine.as_str()) {
        return Ok(());
    }
    Err(RotationError::InvalidSecret(format!(
        "secret JSON key `engine` is `{}`; this rotator supports {}",
        secret.engine,
        ENGINES.join(", ")
    )))
}

/// Reads, parses and checks a version of `secret_id` that must exist.
pub fn load_secret(secret_id: &str, selector: &Selector) -> Result<DatabaseSecret, RotationError> {
    let value = secrets::get_required(secret_id, selector)?;
    let secret = DatabaseSecret::from_secret_value(&value)?;
    check_engine(&secret)?;
    Ok(secret)
}

/// Reads a version like [`load_secret`] but returns `None` when it is missing or
/// invalid, as the AWS templates do for AWSPREVIOUS.
pub fn load_optional_secret(
    secret_id: &str,
    selector: &Selector,
) -> Result<Option<DatabaseSecret>, RotationError> {
    let Some(value) = secrets::get_value(secret_id, selector)? else {
        return Ok(None);
    };
    let parsed = DatabaseSecret::from_secret_value(&value)
        .and_then(|secret| check_engine(&secret).map(|()| secret));
    match parsed {
        Ok(secret) => Ok(Some(secret)),
        Err(error) => {
            log::warn(&format!(
                "ignoring an invalid version of {secret_id}: {error}"
            ));
            Ok(None)
        }
    }
}

/// Returns the secret's `host_part` key, the host part of the account to
/// rotate.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when the key is present but not a
/// string.
pub fn host_part(secret: &DatabaseSecret) -> Result<Option<&str>, RotationError> {
    match secret.extra.get(HOST_PART_KEY) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(host)) => Ok(Some(host.as_str())),
        Some(_) => Err(RotationError::InvalidSecret(format!(
            "secret JSON key `{HOST_PART_KEY}` must be a string, such as \"%\" or \"10.%\""
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn secret(value: serde_json::Value) -> DatabaseSecret {
        DatabaseSecret::from_json_str(&value.to_string()).unwrap()
    }

    #[test]
    fn mysql_engines_pass() {
        for engine in ENGINES {
            let parsed =
                secret(json!({"engine": engine, "host": "h", "username": "u", "password": "p"}));
            assert!(check_engine(&parsed).is_ok(), "{engine}");
        }
    }

    #[test]
    fn postgres_engine_is_rejected() {
        let parsed =
            secret(json!({"engine": "postgres", "host": "h", "username": "u", "password": "p"}));
        assert!(matches!(
            check_engine(&parsed),
            Err(RotationError::InvalidSecret(_))
        ));
    }

    #[test]
    fn host_part_is_read() {
        let parsed = secret(
            json!({"engine": "mysql", "host": "h", "username": "u", "password": "p",
                                   "host_part": "10.%"}),
        );
        assert_eq!(host_part(&parsed).unwrap(), Some("10.%"));
    }

    #[test]
    fn host_part_must_be_a_string() {
        let parsed = secret(
            json!({"engine": "mysql", "host": "h", "username": "u", "password": "p",
                                   "host_part": 10}),
        );
        assert!(host_part(&parsed).is_err());
    }
}
