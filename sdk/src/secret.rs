//! Typed secret JSON in the shape that the AWS database rotation templates use.
//!
//! Parse errors name the key that is missing or malformed but never include a
//! value, because any key of a secret may hold a credential.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::RotationError;
use crate::bindings::tumbler::rotator::types::SecretValue;

/// Credentials of a database user: the JSON layout of an AWS database secret.
///
/// Keys other than the named fields are kept in `extra`, so a secret can be
/// parsed, changed and written back without losing data.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
pub struct DatabaseSecret {
    /// Database engine, such as `postgres` or `mysql`.
    pub engine: String,
    pub host: String,
    /// TCP port. The JSON may hold a number or a numeric string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub username: String,
    pub password: String,
    /// Database to connect to; engines apply their own default when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dbname: Option<String>,
    /// ARN of the secret that contains the administrator credentials, used by the
    /// alternating-users strategy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masterarn: Option<String>,
    /// TLS preference as stored: usually a boolean or a `"true"`/`"false"`
    /// string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<Value>,
    /// All other keys, unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DatabaseSecret {
    /// Parses a secret from the text of a `SecretString`.
    ///
    /// # Errors
    ///
    /// Returns `RotationError::InvalidSecret` when the text is not a JSON
    /// object or a required key is missing or has the wrong type.
    pub fn from_json_str(text: &str) -> Result<Self, RotationError> {
        Self::from_map(parse_object(text)?)
    }

    /// Parses a secret from a secret value, which must be text.
    ///
    /// # Errors
    ///
    /// Returns `RotationError::InvalidSecret` for a binary value and for the
    /// cases listed on [`DatabaseSecret::from_json_str`].
    pub fn from_secret_value(value: &SecretValue) -> Result<Self, RotationError> {
        Self::from_map(parse_secret_value(value)?)
    }

    /// Builds a secret from a parsed JSON object, moving unknown keys into
    /// `extra`.
    ///
    /// # Errors
    ///
    /// Returns `RotationError::InvalidSecret` when a required key is missing or
    /// a key has the wrong type.
    pub fn from_map(mut map: Map<String, Value>) -> Result<Self, RotationError> {
        let engine = take_required_string(&mut map, "engine")?;
        let host = take_required_string(&mut map, "host")?;
        let username = take_required_string(&mut map, "username")?;
        let password = take_required_string(&mut map, "password")?;
        let port = take_port(&mut map)?;
        let dbname = take_optional_string(&mut map, "dbname")?;
        let masterarn = take_optional_string(&mut map, "masterarn")?;
        let ssl = map.remove("ssl").filter(|value| !value.is_null());
        Ok(Self {
            engine,
            host,
            port,
            username,
            password,
            dbname,
            masterarn,
            ssl,
            extra: map,
        })
    }

    /// Serializes the secret to the JSON text of a `SecretString`.
    pub fn to_json_string(&self) -> String {
        // Serializing a struct of strings, integers and JSON values cannot fail.
        serde_json::to_string(self).expect("DatabaseSecret serializes to JSON")
    }
}

impl TryFrom<Map<String, Value>> for DatabaseSecret {
    type Error = SecretParseError;

    fn try_from(map: Map<String, Value>) -> Result<Self, Self::Error> {
        Self::from_map(map).map_err(|error| match error {
            RotationError::InvalidSecret(message) => SecretParseError(message),
            other => SecretParseError(other.to_string()),
        })
    }
}

/// Error of the `Deserialize` implementation of [`DatabaseSecret`]; its text
/// names the offending key and never contains a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretParseError(pub String);

impl fmt::Display for SecretParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecretParseError {}

impl fmt::Debug for DatabaseSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values in `extra` may be credentials too, so only their keys are shown.
        let extra_keys: Vec<&String> = self.extra.keys().collect();
        f.debug_struct("DatabaseSecret")
            .field("engine", &self.engine)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("dbname", &self.dbname)
            .field("masterarn", &self.masterarn)
            .field("ssl", &self.ssl)
            .field("extra_keys", &extra_keys)
            .finish()
    }
}

/// Parses the text of a `SecretString` as a JSON object.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` with the position of a syntax error
/// (never the text around it) or when the JSON is not an object.
pub fn parse_object(text: &str) -> Result<Map<String, Value>, RotationError> {
    // serde_json's messages for type errors quote the offending value, so
    // only the category and the position are reported.
    let value: Value = serde_json::from_str(text).map_err(|error| {
        RotationError::InvalidSecret(format!(
            "secret value is not valid JSON ({:?} error at line {}, column {})",
            error.classify(),
            error.line(),
            error.column()
        ))
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(RotationError::InvalidSecret(
            "secret value must be a JSON object".to_string(),
        )),
    }
}

/// Parses a secret value as a JSON object.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` for a binary value and for the cases
/// listed on [`parse_object`].
pub fn parse_secret_value(value: &SecretValue) -> Result<Map<String, Value>, RotationError> {
    match value {
        SecretValue::Text(text) => parse_object(text),
        SecretValue::Binary(_) => Err(RotationError::InvalidSecret(
            "secret value is binary; expected a JSON SecretString".to_string(),
        )),
    }
}

fn take_required_string(map: &mut Map<String, Value>, key: &str) -> Result<String, RotationError> {
    match map.remove(key) {
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Err(RotationError::InvalidSecret(format!(
            "secret JSON is missing required key `{key}`"
        ))),
        Some(_) => Err(RotationError::InvalidSecret(format!(
            "secret JSON key `{key}` must be a string"
        ))),
    }
}

fn take_optional_string(
    map: &mut Map<String, Value>,
    key: &str,
) -> Result<Option<String>, RotationError> {
    match map.remove(key) {
        Some(Value::String(text)) => Ok(Some(text)),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(RotationError::InvalidSecret(format!(
            "secret JSON key `{key}` must be a string"
        ))),
    }
}

fn take_port(map: &mut Map<String, Value>) -> Result<Option<u16>, RotationError> {
    let invalid = || {
        RotationError::InvalidSecret(
            "secret JSON key `port` must be an integer from 1 to 65535 or a string holding one"
                .to_string(),
        )
    };
    let port = match map.remove("port") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(number)) => number.as_u64().ok_or_else(invalid)?,
        Some(Value::String(text)) => text.trim().parse::<u64>().map_err(|_| invalid())?,
        Some(_) => return Err(invalid()),
    };
    match u16::try_from(port) {
        Ok(port) if port != 0 => Ok(Some(port)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PASSWORD: &str = "s3cr3t-Pa55";

    fn full_secret() -> Value {
        json!({
            "engine": "postgres",
            "host": "db.internal",
            "port": 5433,
            "username": "app",
            "password": PASSWORD,
            "dbname": "orders",
            "masterarn": "arn:aws:secretsmanager:us-east-1:000000000000:secret:admin",
            "ssl": true,
            "comment": "kept",
        })
    }

    fn invalid_message(result: Result<DatabaseSecret, RotationError>) -> String {
        match result {
            Err(RotationError::InvalidSecret(message)) => message,
            Err(_) => panic!("expected RotationError::InvalidSecret"),
            Ok(_) => panic!("expected a parse error"),
        }
    }

    #[test]
    fn parses_full_secret() {
        let secret = DatabaseSecret::from_json_str(&full_secret().to_string()).unwrap();
        assert_eq!(secret.engine, "postgres");
        assert_eq!(secret.host, "db.internal");
        assert_eq!(secret.port, Some(5433));
        assert_eq!(secret.username, "app");
        assert_eq!(secret.password, PASSWORD);
        assert_eq!(secret.dbname.as_deref(), Some("orders"));
        assert!(secret.masterarn.is_some());
        assert_eq!(secret.ssl, Some(Value::Bool(true)));
        assert_eq!(secret.extra.get("comment"), Some(&json!("kept")));
        assert_eq!(secret.extra.len(), 1);
    }

    #[test]
    fn parses_minimal_secret() {
        let text = json!({"engine": "postgres", "host": "h", "username": "u", "password": "p"});
        let secret = DatabaseSecret::from_json_str(&text.to_string()).unwrap();
        assert_eq!(secret.port, None);
        assert_eq!(secret.dbname, None);
        assert_eq!(secret.ssl, None);
        assert!(secret.extra.is_empty());
    }

    #[test]
    fn port_accepts_numeric_string() {
        let mut value = full_secret();
        value["port"] = json!(" 6543 ");
        let secret = DatabaseSecret::from_json_str(&value.to_string()).unwrap();
        assert_eq!(secret.port, Some(6543));
    }

    #[test]
    fn port_rejects_out_of_range_and_junk() {
        for port in [
            json!(0),
            json!(65536),
            json!(-1),
            json!(54.5),
            json!("x"),
            json!(true),
        ] {
            let mut value = full_secret();
            value["port"] = port.clone();
            let message = invalid_message(DatabaseSecret::from_json_str(&value.to_string()));
            assert!(message.contains("`port`"), "port {port}: {message}");
        }
    }

    #[test]
    fn missing_keys_are_named() {
        for key in ["engine", "host", "username", "password"] {
            let mut value = full_secret();
            value.as_object_mut().unwrap().remove(key);
            let message = invalid_message(DatabaseSecret::from_json_str(&value.to_string()));
            assert!(message.contains(&format!("`{key}`")), "{key}: {message}");
            assert!(message.contains("missing"), "{key}: {message}");
        }
    }

    #[test]
    fn wrong_type_names_key_without_value() {
        let mut value = full_secret();
        value["username"] = json!(42);
        let message = invalid_message(DatabaseSecret::from_json_str(&value.to_string()));
        assert!(message.contains("`username`"), "{message}");
        assert!(!message.contains("42"), "{message}");
    }

    #[test]
    fn syntax_error_hides_text() {
        let text = format!("{{\"password\": \"{PASSWORD}\" \"host\": 1}}");
        let message = invalid_message(DatabaseSecret::from_json_str(&text));
        assert!(message.contains("not valid JSON"), "{message}");
        assert!(!message.contains(PASSWORD));
    }

    #[test]
    fn non_object_is_rejected() {
        let message = invalid_message(DatabaseSecret::from_json_str("[1, 2]"));
        assert!(message.contains("JSON object"), "{message}");
    }

    #[test]
    fn binary_value_is_rejected() {
        let value = SecretValue::Binary(vec![1, 2, 3]);
        let message = invalid_message(DatabaseSecret::from_secret_value(&value));
        assert!(message.contains("binary"), "{message}");
    }

    #[test]
    fn debug_redacts_password() {
        let secret = DatabaseSecret::from_json_str(&full_secret().to_string()).unwrap();
        let debug = format!("{secret:?}");
        assert!(!debug.contains(PASSWORD), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(!debug.contains("kept"), "{debug}");
    }

    #[test]
    fn serde_round_trip_keeps_extra_keys() {
        let secret: DatabaseSecret = serde_json::from_value(full_secret()).unwrap();
        let back: Value = serde_json::from_str(&secret.to_json_string()).unwrap();
        assert_eq!(back, full_secret());
    }

    #[test]
    fn serde_error_hides_value() {
        let mut value = full_secret();
        value["port"] = json!(PASSWORD);
        let error = serde_json::from_value::<DatabaseSecret>(value).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("`port`"), "{message}");
        assert!(!message.contains(PASSWORD), "{message}");
    }
}
