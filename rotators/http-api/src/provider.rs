//! Calls to the key provider: mint, test and revoke, each retried within the
//! step's `http-retries` budget after a connection failure or a 5xx status.

use std::time::Duration;

use tumbler_sdk::http::{self, HttpError, Method, Request, Response};
use tumbler_sdk::serde_json::{self, Value};
use tumbler_sdk::{RotationError, log};

use crate::config::{Config, HeaderTemplate};
use crate::json_path::lookup_text;

/// Wait before the first in-step retry; doubled for each later one.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);

/// Characters of a provider's error body quoted in a message.
const MAX_QUOTED_BODY: usize = 200;

/// A key the provider minted.
pub struct MintedKey {
    pub id: String,
    pub secret: String,
}

/// Result of calling the test URL with a key.
pub enum TestResult {
    Accepted,
    /// The provider returned a status listed in `not-active-status`.
    NotActive(u16),
}

/// Mints a new key with the admin credential.
pub fn mint(config: &Config, admin_credential: &str) -> Result<MintedKey, RotationError> {
    let mut request = authorized(config.mint_method, &config.mint_url, &config.auth_header, admin_credential);
    if matches!(config.mint_method, Method::Post | Method::Put | Method::Patch) {
        request = request.json(&Value::Object(serde_json::Map::new()));
    }
    let context = "minting a key".to_string();
    let response = send_with_retries(&request, config.http_retries, &context)?;
    if !response.is_success() {
        return Err(RotationError::Other(format!(
            "{context}: the provider returned status {}{}",
            response.status,
            quote_body(&response)
        )));
    }
    let document: Value = serde_json::from_slice(&response.body).map_err(|error| {
        RotationError::Other(format!(
            "{context}: the response is not JSON ({:?} error at line {}, column {})",
            error.classify(),
            error.line(),
            error.column()
        ))
    })?;
    let missing = |setting: &str, path: &str| {
        RotationError::Other(format!(
            "{context}: the response has no string or number at {path} (setting {setting})"
        ))
    };
    let secret = lookup_text(&document, &config.key_path).ok_or_else(|| missing("key-path", &config.key_path))?;
    let id = lookup_text(&document, &config.key_id_path).ok_or_else(|| missing("key-id-path", &config.key_id_path))?;
    Ok(MintedKey { id, secret })
}

/// Calls the test URL with `key` in the test header.
pub fn test(config: &Config, key: &str, key_id: &str) -> Result<TestResult, RotationError> {
    let request = authorized(config.test_method, &config.test_url, &config.test_header, key);
    let context = format!("testing key {key_id}");
    let response = send_with_retries(&request, config.http_retries, &context)?;
    if response.is_success() {
        return Ok(TestResult::Accepted);
    }
    if config.not_active_statuses.contains(&response.status) {
        return Ok(TestResult::NotActive(response.status));
    }
    Err(RotationError::Other(format!(
        "{context}: the provider returned status {}{}",
        response.status,
        quote_body(&response)
    )))
}

/// Revokes key `key_id`. A 404 or 410 means the key is already gone, which
/// a repeated step must accept.
pub fn revoke(config: &Config, admin_credential: &str, key_id: &str) -> Result<(), RotationError> {
    let url = config.revoke_url_for(key_id);
    let request = authorized(config.revoke_method, &url, &config.auth_header, admin_credential);
    let context = format!("revoking key {key_id}");
    let response = send_with_retries(&request, config.http_retries, &context)?;
    match response.status {
        status if (200..300).contains(&status) => Ok(()),
        404 | 410 => {
            log::info(&format!("{context}: the provider has no such key; treating it as revoked"));
            Ok(())
        }
        status => Err(RotationError::Other(format!(
            "{context}: the provider returned status {status}{}",
            quote_body(&response)
        ))),
    }
}

fn authorized(method: Method, url: &str, header: &HeaderTemplate, credential: &str) -> Request {
    Request::new(method, url).header(&header.name, &header.render(credential))
}

/// Sends `request`, retrying connection failures and 5xx statuses up to
/// `retries` times.
///
/// NOTE: a mint whose response is lost after the provider acted on it is
/// retried like any other call, so the provider can end up with an extra live
/// key that no secret version references. The last failure becomes `Unavailable`, so the host
/// retries the whole step with its own backoff.
fn send_with_retries(request: &Request, retries: u32, context: &str) -> Result<Response, RotationError> {
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempt = 0;
    loop {
        let failure = match http::send(request) {
            Ok(response) if response.status < 500 => return Ok(response),
            Ok(response) => format!("the provider returned status {}{}", response.status, quote_body(&response)),
            Err(error) if error.is_transient() => error.to_string(),
            Err(error) => return Err(error.into_rotation_error(context)),
        };
        if attempt >= retries {
            let tries = attempt + 1;
            return Err(HttpError::Transport(format!("{failure} (tried {tries} time(s))")).into_rotation_error(context));
        }
        attempt += 1;
        log::warn(&format!("{context}: {failure}; retrying in {} ms", delay.as_millis()));
        std::thread::sleep(delay);
        delay *= 2;
    }
}

/// Returns `: BODY` with the start of a text body, or nothing for an empty
/// or binary one. The host scrubs known secret values from step errors.
fn quote_body(response: &Response) -> String {
    let Ok(text) = std::str::from_utf8(&response.body) else {
        return String::new();
    };
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let quoted: String = text.chars().take(MAX_QUOTED_BODY).collect();
    format!(": {quoted}")
}
