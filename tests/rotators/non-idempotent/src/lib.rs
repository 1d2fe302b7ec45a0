//! A rotator that breaks the idempotency rule on purpose: its createSecret
//! stores a fresh password without first checking whether the AWSPENDING
//! version already has a value. A second createSecret call with the same
//! token therefore tries to store a different value under that token, which
//! the host rejects. The conformance harness must report the idempotency
//! check as failed.
//!
//! setSecret and testSecret touch no target system, so the fixture runs
//! without a database.

use tumbler_sdk::secrets::{self, AWSCURRENT, Selector};
use tumbler_sdk::serde_json::Value;
use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo, SecretValue, secret, steps};

struct NonIdempotent;

impl Rotator for NonIdempotent {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("non-idempotent", env!("CARGO_PKG_VERSION"), &[])
    }

    fn create_secret(event: &Event) -> Result<(), RotationError> {
        let arn = &event.secret_id;
        let current = secrets::get_required(arn, &Selector::stage(AWSCURRENT))?;
        let mut value = secret::parse_secret_value(&current)?;
        let spec = steps::password_spec(&event.settings, tumbler_sdk::DEFAULT_EXCLUDE_CHARACTERS)?;
        let password = secrets::random_password(&spec)?;
        value.insert("password".to_string(), Value::String(password));
        let text = Value::Object(value).to_string();
        secrets::put_pending(arn, &event.client_request_token, &SecretValue::Text(text))
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(NonIdempotent);
