//! The rotator's settings, read from the rotation event. The host validates
//! them at RotateSecret time; the checks here repeat only what the rotator
//! needs to run.

use tumbler_sdk::http::Method;
use tumbler_sdk::{RotationError, settings};

/// Placeholder in `revoke-url` replaced by the id of the key to revoke.
pub const KEY_ID_PLACEHOLDER: &str = "{key_id}";

const DEFAULT_AUTH_HEADER: &str = "Authorization: Bearer {admin_key}";
const DEFAULT_TEST_HEADER: &str = "Authorization: Bearer {api_key}";
const DEFAULT_HTTP_RETRIES: u32 = 2;

/// A header whose value is filled from one field of the secret JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderTemplate {
    pub name: String,
    /// Text before the placeholder, such as `Bearer `.
    pub prefix: String,
    /// Secret JSON field that fills the placeholder.
    pub field: String,
    pub suffix: String,
}

impl HeaderTemplate {
    /// Parses `Name: text {field} text`.
    pub fn parse(key: &str, value: &str) -> Result<Self, RotationError> {
        let invalid = || {
            RotationError::Other(format!(
                "setting {key}={value:?} is invalid; expected NAME: TEMPLATE with one {{field}} placeholder"
            ))
        };
        let (name, template) = value.split_once(':').ok_or_else(invalid)?;
        let template = template.trim_start();
        let (prefix, rest) = template.split_once('{').ok_or_else(invalid)?;
        let (field, suffix) = rest.split_once('}').ok_or_else(invalid)?;
        if name.trim().is_empty() || field.is_empty() || suffix.contains('{') {
            return Err(invalid());
        }
        Ok(Self {
            name: name.trim().to_string(),
            prefix: prefix.to_string(),
            field: field.to_string(),
            suffix: suffix.to_string(),
        })
    }

    /// Returns the header value with `credential` in place of the placeholder.
    pub fn render(&self, credential: &str) -> String {
        format!("{}{credential}{}", self.prefix, self.suffix)
    }
}

/// Provider endpoints, headers and response paths.
#[derive(Clone, Debug)]
pub struct Config {
    pub mint_url: String,
    pub mint_method: Method,
    pub test_url: String,
    pub test_method: Method,
    pub revoke_url: String,
    pub revoke_method: Method,
    /// Header carrying the admin credential on mint and revoke calls.
    pub auth_header: HeaderTemplate,
    /// Header carrying the key under test on test calls.
    pub test_header: HeaderTemplate,
    /// Dotted path of the new key in the mint response.
    pub key_path: String,
    /// Dotted path of the new key's id in the mint response.
    pub key_id_path: String,
    /// Test-call statuses that mean "the key is not active yet".
    pub not_active_statuses: Vec<u16>,
    /// Extra attempts of one call after a connection failure or a 5xx status.
    pub http_retries: u32,
}

impl Config {
    pub fn from_settings(list: &[(String, String)]) -> Result<Self, RotationError> {
        let revoke_url = required(list, "revoke-url")?;
        if !revoke_url.contains(KEY_ID_PLACEHOLDER) {
            return Err(RotationError::Other(format!(
                "setting revoke-url must contain {KEY_ID_PLACEHOLDER}"
            )));
        }
        Ok(Self {
            mint_url: required(list, "mint-url")?,
            mint_method: method(list, "mint-method", Method::Post)?,
            test_url: required(list, "test-url")?,
            test_method: method(list, "test-method", Method::Get)?,
            revoke_url,
            revoke_method: method(list, "revoke-method", Method::Delete)?,
            auth_header: header(list, "auth-header", DEFAULT_AUTH_HEADER)?,
            test_header: header(list, "test-header", DEFAULT_TEST_HEADER)?,
            key_path: settings::get(list, "key-path").unwrap_or("key").to_string(),
            key_id_path: settings::get(list, "key-id-path").unwrap_or("id").to_string(),
            not_active_statuses: statuses(list)?,
            http_retries: settings::get_u32(list, "http-retries", DEFAULT_HTTP_RETRIES)?,
        })
    }

    /// Returns the revoke URL for key `key_id`.
    pub fn revoke_url_for(&self, key_id: &str) -> String {
        self.revoke_url.replace(KEY_ID_PLACEHOLDER, &percent_encode_segment(key_id))
    }
}

fn required(list: &[(String, String)], key: &str) -> Result<String, RotationError> {
    settings::get(list, key)
        .map(str::to_string)
        .ok_or_else(|| RotationError::Other(format!("the rotation has no setting {key}")))
}

fn method(list: &[(String, String)], key: &str, default: Method) -> Result<Method, RotationError> {
    match settings::get(list, key) {
        None => Ok(default),
        Some(name) => Method::parse(name)
            .ok_or_else(|| RotationError::Other(format!("setting {key}={name:?} is not a supported HTTP method"))),
    }
}

fn header(list: &[(String, String)], key: &str, default: &str) -> Result<HeaderTemplate, RotationError> {
    HeaderTemplate::parse(key, settings::get(list, key).unwrap_or(default))
}

fn statuses(list: &[(String, String)]) -> Result<Vec<u16>, RotationError> {
    let Some(text) = settings::get(list, "not-active-status") else {
        return Ok(vec![401, 403]);
    };
    text.split(',')
        .map(|part| {
            part.trim().parse::<u16>().map_err(|_| {
                RotationError::Other(format!("setting not-active-status={text:?} is not a list of statuses"))
            })
        })
        .collect()
}

/// Percent-encodes everything but unreserved characters, so a key id cannot
/// change the path of the revoke URL.
fn percent_encode_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn base() -> Vec<(String, String)> {
        list(&[
            ("mint-url", "http://127.0.0.1:9/keys"),
            ("test-url", "http://127.0.0.1:9/whoami"),
            ("revoke-url", "http://127.0.0.1:9/keys/{key_id}"),
        ])
    }

    #[test]
    fn defaults_apply() {
        let config = Config::from_settings(&base()).unwrap();
        assert_eq!(config.mint_method, Method::Post);
        assert_eq!(config.revoke_method, Method::Delete);
        assert_eq!(config.auth_header.name, "Authorization");
        assert_eq!(config.auth_header.field, "admin_key");
        assert_eq!(config.test_header.field, "api_key");
        assert_eq!(config.not_active_statuses, vec![401, 403]);
        assert_eq!(config.http_retries, 2);
    }

    #[test]
    fn header_template_renders() {
        let template = HeaderTemplate::parse("auth-header", "X-Api-Key: {admin_key}").unwrap();
        assert_eq!(template.name, "X-Api-Key");
        assert_eq!(template.render("abc"), "abc");
        let template = HeaderTemplate::parse("auth-header", "Authorization: Token {k} v1").unwrap();
        assert_eq!(template.render("abc"), "Token abc v1");
    }

    #[test]
    fn revoke_url_encodes_the_id() {
        let config = Config::from_settings(&base()).unwrap();
        assert_eq!(config.revoke_url_for("key-1"), "http://127.0.0.1:9/keys/key-1");
        assert_eq!(config.revoke_url_for("../x?y"), "http://127.0.0.1:9/keys/..%2Fx%3Fy");
    }

    #[test]
    fn missing_mint_url_is_named() {
        let settings = list(&[("test-url", "http://a/"), ("revoke-url", "http://a/{key_id}")]);
        let RotationError::Other(message) = Config::from_settings(&settings).unwrap_err() else {
            panic!("expected Other");
        };
        assert!(message.contains("mint-url"), "{message}");
    }
}
