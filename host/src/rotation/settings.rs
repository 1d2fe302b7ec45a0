//! Validation of rotation settings before anything is stored.
//!
//! The built-in database rotators read the password settings of the AWS
//! rotation templates; the host reads `read-secrets`. For built-in rotators a
//! misspelled key would otherwise be ignored and the rotation would run with
//! defaults, so unknown keys are rejected. Custom rotators receive any
//! well-formed key.

use std::collections::BTreeMap;

use super::engine::READ_SECRETS_SETTING;
use super::http_settings::{HTTP_API_ROTATOR, validate_http_api_settings};
use super::registry::rotator_name;
use crate::wasm::builtin::builtin_rotator;

/// Maximum length of a setting name and value that a custom rotator may receive.
const MAX_CUSTOM_KEY_LEN: usize = 64;
const MAX_CUSTOM_VALUE_LEN: usize = 2048;

/// Maximum password length of GetRandomPassword.
const MAX_PASSWORD_LENGTH: u32 = 4096;

const BOOLEAN_SETTINGS: &[&str] = &[
    "exclude-numbers",
    "exclude-punctuation",
    "exclude-uppercase",
    "exclude-lowercase",
    "include-space",
    "require-each-included-type",
];

/// Returns every setting key the built-in rotators and the host understand.
pub fn known_settings() -> Vec<&'static str> {
    let mut keys = vec!["password-length", "exclude-characters", READ_SECRETS_SETTING];
    keys.extend_from_slice(BOOLEAN_SETTINGS);
    keys
}

/// Checks every key and value for `rotator` (a rotator name or an ARN ending
/// in one), and returns a message naming the first bad one.
pub fn validate_settings(rotator: &str, settings: &BTreeMap<String, String>) -> Result<(), String> {
    let name = rotator_name(rotator);
    if name == HTTP_API_ROTATOR {
        return validate_http_api_settings(settings);
    }
    if builtin_rotator(name).is_some() {
        return validate_password_settings(settings);
    }
    validate_custom_settings(settings)
}

/// Checks the settings of a custom rotator: the keys that the host and the
/// SDK's default `create_secret` read must have valid values, and any other
/// key is passed to the rotator if its name is well formed.
fn validate_custom_settings(settings: &BTreeMap<String, String>) -> Result<(), String> {
    let (known, custom): (BTreeMap<String, String>, BTreeMap<String, String>) = settings
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .partition(|(key, _)| known_settings().contains(&key.as_str()));
    validate_password_settings(&known)?;
    for (key, value) in &custom {
        let well_formed = !key.is_empty()
            && key.len() <= MAX_CUSTOM_KEY_LEN
            && key.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !well_formed {
            return Err(format!(
                "setting name {key:?} is invalid; use 1 to {MAX_CUSTOM_KEY_LEN} letters, digits, '-' and '_'"
            ));
        }
        if value.len() > MAX_CUSTOM_VALUE_LEN {
            return Err(format!(
                "setting {key} has {} bytes; the maximum is {MAX_CUSTOM_VALUE_LEN}",
                value.len()
            ));
        }
    }
    Ok(())
}

/// Checks the password settings that the database rotators read.
fn validate_password_settings(settings: &BTreeMap<String, String>) -> Result<(), String> {
    for (key, value) in settings {
        if key == "password-length" {
            match value.trim().parse::<u32>() {
                Ok(length) if (1..=MAX_PASSWORD_LENGTH).contains(&length) => {}
                _ => {
                    return Err(format!(
                        "setting password-length={value:?} is invalid; use a number from 1 to {MAX_PASSWORD_LENGTH}"
                    ));
                }
            }
        } else if BOOLEAN_SETTINGS.contains(&key.as_str()) {
            if parse_bool(value).is_none() {
                return Err(format!(
                    "setting {key}={value:?} is invalid; use true or false (also 1/0, yes/no, y/n)"
                ));
            }
        } else if key != "exclude-characters" && key != READ_SECRETS_SETTING {
            return Err(format!(
                "unknown setting {key:?}; the known settings are: {}",
                known_settings().join(", ")
            ));
        }
    }
    Ok(())
}

/// Returns the secret ids (names or ARNs) that the `read-secrets` setting
/// lists: comma-separated, surrounding spaces and empty entries ignored.
pub fn read_secret_ids(settings: &BTreeMap<String, String>) -> Vec<&str> {
    settings
        .get(READ_SECRETS_SETTING)
        .map(|list| list.split(',').map(str::trim).filter(|id| !id.is_empty()).collect())
        .unwrap_or_default()
}

/// Parses the boolean spellings the AWS templates accept, plus their negations.
fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "y" | "yes" => Some(true),
        "false" | "0" | "n" | "no" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn known_settings_pass() {
        let valid = settings(&[("password-length", "40"), ("exclude-numbers", "yes"), ("exclude-characters", "")]);
        assert_eq!(validate_settings("postgres", &valid), Ok(()));
    }

    #[test]
    fn misspelled_key_is_rejected() {
        let error = validate_settings("postgres", &settings(&[("password-lenght", "64")])).unwrap_err();
        assert!(error.contains("password-lenght"), "{error}");
    }

    #[test]
    fn non_numeric_length_is_rejected() {
        assert!(validate_settings("postgres", &settings(&[("password-length", "abc")])).is_err());
        assert!(validate_settings("postgres", &settings(&[("password-length", "0")])).is_err());
        assert!(validate_settings("postgres", &settings(&[("password-length", "4097")])).is_err());
    }

    #[test]
    fn read_secrets_list_is_split_and_trimmed() {
        let list = settings(&[(READ_SECRETS_SETTING, " admin/db, ,arn:aws:secretsmanager:r:1:secret:x-AbCdEf ")]);
        assert_eq!(read_secret_ids(&list), ["admin/db", "arn:aws:secretsmanager:r:1:secret:x-AbCdEf"]);
        assert!(read_secret_ids(&settings(&[])).is_empty());
    }

    #[test]
    fn unclear_boolean_is_rejected() {
        assert!(validate_settings("postgres", &settings(&[("exclude-numbers", "maybe")])).is_err());
    }
}
