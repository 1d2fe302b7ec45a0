//! HTTP API-key rotator: mints a new key at a provider, waits until the
//! provider accepts it, and revokes the key from two rotations back.
//!
//! The secret is a JSON object with these fields (other fields are kept):
//!
//! | field | meaning |
//! | --- | --- |
//! | `api_key` | the key that clients use; replaced on every rotation |
//! | `key_id` | the provider's id of `api_key`, used to revoke it later |
//! | `admin_key` | the credential that may mint and revoke keys; the `auth-header` setting can name another field |
//!
//! Steps:
//!
//! - createSecret revokes the key that only AWSPREVIOUS holds, so a provider
//!   that allows two live keys never receives a request for a third. It then
//!   mints a key and stores it as AWSPENDING. When AWSPENDING already has a
//!   value, it does nothing.
//! - setSecret does nothing: providers activate keys when they mint them.
//! - testSecret calls `test-url` with the pending key and returns
//!   `not-yet-valid` while the provider returns a `not-active-status`, so the
//!   host retries the step until its deadline.
//! - finishSecret moves AWSCURRENT (the SDK default).

mod config;
mod json_path;
mod provider;

use tumbler_sdk::secrets::{self, AWSCURRENT, AWSPREVIOUS, Selector};
use tumbler_sdk::serde_json::{Map, Value};
use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo, SecretValue, log, secret};

use crate::config::Config;
use crate::provider::TestResult;

/// Secret field that contains the key clients use.
const API_KEY_FIELD: &str = "api_key";
/// Secret field that contains the provider's id of `api_key`.
const KEY_ID_FIELD: &str = "key_id";

struct HttpApiKey;

impl Rotator for HttpApiKey {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("http-api", env!("CARGO_PKG_VERSION"), &["http"])
    }

    fn create_secret(event: &Event) -> Result<(), RotationError> {
        create_secret(event)
    }

    fn set_secret(event: &Event) -> Result<(), RotationError> {
        log::info(&format!(
            "setSecret: nothing to do for version {} of {}; the provider activates keys when it mints them",
            event.client_request_token, event.secret_id
        ));
        Ok(())
    }

    fn test_secret(event: &Event) -> Result<(), RotationError> {
        test_secret(event)
    }
}

tumbler_sdk::export_rotator!(HttpApiKey);

fn create_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let config = Config::from_settings(&event.settings)?;

    let mut current = load(arn, &Selector::stage(AWSCURRENT), "AWSCURRENT")?;
    let current_key_id = required_text(&current, KEY_ID_FIELD, "AWSCURRENT")?;
    let admin_credential = required_text(&current, &config.auth_header.field, "AWSCURRENT")?;

    if secrets::get_value(arn, &Selector::pending(token))?.is_some() {
        log::info(&format!("createSecret: AWSPENDING version {token} of {arn} already has a value"));
        return Ok(());
    }

    revoke_previous(arn, &config, &admin_credential, &current_key_id)?;

    let minted = provider::mint(&config, &admin_credential)?;
    current.insert(API_KEY_FIELD.to_string(), Value::String(minted.secret));
    current.insert(KEY_ID_FIELD.to_string(), Value::String(minted.id.clone()));
    // NOTE: if storing fails after a successful mint, a repeated createSecret
    // mints again and the first new key stays live at the provider.
    secrets::put_pending(arn, token, &SecretValue::Text(Value::Object(current).to_string()))?;
    log::info(&format!(
        "createSecret: minted key {} and stored it as AWSPENDING version {token} of {arn}",
        minted.id
    ));
    Ok(())
}

/// Revokes the key that AWSPREVIOUS holds unless AWSCURRENT holds the same
/// key. A missing or unreadable AWSPREVIOUS has nothing to revoke.
fn revoke_previous(
    arn: &str,
    config: &Config,
    admin_credential: &str,
    current_key_id: &str,
) -> Result<(), RotationError> {
    let Some(value) = secrets::get_value(arn, &Selector::stage(AWSPREVIOUS))? else {
        return Ok(());
    };
    let previous_key_id = secret::parse_secret_value(&value)
        .ok()
        .and_then(|previous| text_field(&previous, KEY_ID_FIELD));
    let Some(previous_key_id) = previous_key_id else {
        log::warn(&format!("createSecret: AWSPREVIOUS of {arn} has no {KEY_ID_FIELD}; nothing to revoke"));
        return Ok(());
    };
    if previous_key_id == current_key_id {
        return Ok(());
    }
    provider::revoke(config, admin_credential, &previous_key_id)?;
    log::info(&format!("createSecret: revoked key {previous_key_id} held by AWSPREVIOUS of {arn}"));
    Ok(())
}

fn test_secret(event: &Event) -> Result<(), RotationError> {
    let arn = &event.secret_id;
    let token = &event.client_request_token;
    let config = Config::from_settings(&event.settings)?;
    let pending = load(arn, &Selector::pending(token), "AWSPENDING")?;
    let key_id = required_text(&pending, KEY_ID_FIELD, "AWSPENDING")?;
    let key = required_text(&pending, &config.test_header.field, "AWSPENDING")?;

    match provider::test(&config, &key, &key_id)? {
        TestResult::Accepted => {
            log::info(&format!("testSecret: the provider accepted key {key_id} of version {token} of {arn}"));
            Ok(())
        }
        TestResult::NotActive(status) => Err(RotationError::NotYetValid(format!(
            "the provider returned status {status} for key {key_id} of AWSPENDING version {token}; the key \
             may not be active yet"
        ))),
    }
}

fn load(arn: &str, selector: &Selector, label: &str) -> Result<Map<String, Value>, RotationError> {
    let value = secrets::get_required(arn, selector)?;
    secret::parse_secret_value(&value).map_err(|error| match error {
        RotationError::InvalidSecret(message) => RotationError::InvalidSecret(format!("{label}: {message}")),
        other => other,
    })
}

fn text_field(map: &Map<String, Value>, field: &str) -> Option<String> {
    match map.get(field)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Reads a field that must hold a non-empty string. The error names the
/// field but never its value.
fn required_text(map: &Map<String, Value>, field: &str, label: &str) -> Result<String, RotationError> {
    text_field(map, field).ok_or_else(|| {
        RotationError::InvalidSecret(format!(
            "{label} secret JSON has no non-empty string field `{field}`; an http-api secret holds \
             `api_key`, `key_id` and the admin credential (`admin_key` by default)"
        ))
    })
}
