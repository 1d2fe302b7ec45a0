//! Validation of the settings of the built-in `http-api` rotator, so a typo
//! in a URL or a header template is rejected by RotateSecret instead of
//! failing a step later.

use std::collections::BTreeMap;

use super::engine::READ_SECRETS_SETTING;

/// Name of the built-in HTTP API-key rotator.
pub const HTTP_API_ROTATOR: &str = "http-api";

/// Placeholder in `revoke-url` that the rotator replaces with the key id.
const KEY_ID_PLACEHOLDER: &str = "{key_id}";

/// Upper bound of `http-retries`; each retry also waits, so more would
/// outlast the step deadline.
const MAX_HTTP_RETRIES: u32 = 10;

const REQUIRED: &[&str] = &["mint-url", "test-url", "revoke-url"];

const OPTIONAL: &[&str] = &[
    "mint-method",
    "test-method",
    "revoke-method",
    "auth-header",
    "test-header",
    "key-path",
    "key-id-path",
    "not-active-status",
    "http-retries",
    READ_SECRETS_SETTING,
];

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Returns every setting key of the `http-api` rotator.
pub fn http_api_settings() -> Vec<&'static str> {
    REQUIRED.iter().chain(OPTIONAL).copied().collect()
}

/// Checks the `http-api` settings and returns a message naming the first
/// missing key or invalid value.
pub fn validate_http_api_settings(settings: &BTreeMap<String, String>) -> Result<(), String> {
    for key in settings.keys() {
        if !REQUIRED.contains(&key.as_str()) && !OPTIONAL.contains(&key.as_str()) {
            return Err(format!(
                "unknown setting {key:?} for rotator {HTTP_API_ROTATOR}; the known settings are: {}",
                http_api_settings().join(", ")
            ));
        }
    }
    for key in REQUIRED {
        if !settings.contains_key(*key) {
            return Err(format!(
                "rotator {HTTP_API_ROTATOR} needs the setting {key}; pass it as --setting {key}=URL"
            ));
        }
    }
    for (key, value) in settings {
        validate_value(key, value)?;
    }
    Ok(())
}

fn validate_value(key: &str, value: &str) -> Result<(), String> {
    match key {
        "mint-url" | "test-url" => validate_url(key, value),
        "revoke-url" => {
            if !value.contains(KEY_ID_PLACEHOLDER) {
                return Err(format!(
                    "setting revoke-url={value:?} is invalid: it must contain {KEY_ID_PLACEHOLDER}, \
                     which the rotator replaces with the id of the key to revoke"
                ));
            }
            validate_url(key, &value.replace(KEY_ID_PLACEHOLDER, "id"))
        }
        "mint-method" | "test-method" | "revoke-method" => {
            if METHODS.contains(&value.to_ascii_uppercase().as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "setting {key}={value:?} is invalid; use one of {}",
                    METHODS.join(", ")
                ))
            }
        }
        "auth-header" | "test-header" => validate_header_template(key, value),
        "key-path" | "key-id-path" => validate_json_path(key, value),
        "not-active-status" => validate_statuses(value),
        "http-retries" => match value.trim().parse::<u32>() {
            Ok(count) if count <= MAX_HTTP_RETRIES => Ok(()),
            _ => Err(format!(
                "setting http-retries={value:?} is invalid; use a number from 0 to {MAX_HTTP_RETRIES}"
            )),
        },
        _ => Ok(()),
    }
}

/// Accepts an absolute `http://` or `https://` URL with a host.
fn validate_url(key: &str, value: &str) -> Result<(), String> {
    let invalid = |reason: &str| format!("setting {key}={value:?} is invalid: {reason}");
    let authority = value.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or_default()
    });
    if authority.contains('@') {
        return Err(invalid("credentials in the URL are not allowed; put them in the secret"));
    }
    let uri: http::Uri = value
        .parse()
        .map_err(|error| invalid(&format!("not a URL ({error})")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(invalid("the scheme must be http or https")),
    }
    match uri.host() {
        Some(host) if !host.is_empty() => {}
        _ => return Err(invalid("the URL has no host")),
    }
    Ok(())
}

/// Accepts `Header-Name: text {field} text`, with exactly one placeholder
/// naming the secret field whose value fills it.
fn validate_header_template(key: &str, value: &str) -> Result<(), String> {
    let invalid = |reason: &str| {
        format!(
            "setting {key}={value:?} is invalid: {reason}; expected NAME: TEMPLATE, for example \
             \"Authorization: Bearer {{admin_key}}\""
        )
    };
    let Some((name, template)) = value.split_once(':') else {
        return Err(invalid("there is no ':' after the header name"));
    };
    if http::HeaderName::from_bytes(name.trim().as_bytes()).is_err() {
        return Err(invalid("the header name is not a valid HTTP header name"));
    }
    let opens = template.matches('{').count();
    let closes = template.matches('}').count();
    let field = template
        .split_once('{')
        .and_then(|(_, rest)| rest.split_once('}'))
        .map(|(field, _)| field);
    match field {
        Some(field) if opens == 1 && closes == 1 && is_field_name(field) => Ok(()),
        _ => Err(invalid("the template needs exactly one {field} placeholder naming a secret field")),
    }
}

fn is_field_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Accepts dotted paths such as `key.secret` or `data.keys.0.id`.
fn validate_json_path(key: &str, value: &str) -> Result<(), String> {
    if value.split('.').all(is_field_name) {
        Ok(())
    } else {
        Err(format!(
            "setting {key}={value:?} is invalid; use a dotted path of field names or array \
             indexes, for example key.secret"
        ))
    }
}

fn validate_statuses(value: &str) -> Result<(), String> {
    for part in value.split(',') {
        match part.trim().parse::<u16>() {
            Ok(status) if (400..=599).contains(&status) => {}
            _ => {
                return Err(format!(
                    "setting not-active-status={value:?} is invalid; use comma-separated HTTP \
                     error statuses (400-599), for example 401,403"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn valid() -> BTreeMap<String, String> {
        settings(&[
            ("mint-url", "https://api.example.com/keys"),
            ("test-url", "https://api.example.com/whoami"),
            ("revoke-url", "https://api.example.com/keys/{key_id}"),
        ])
    }

    fn with(key: &str, value: &str) -> BTreeMap<String, String> {
        let mut settings = valid();
        settings.insert(key.to_string(), value.to_string());
        settings
    }

    #[test]
    fn required_urls_pass() {
        assert_eq!(validate_http_api_settings(&valid()), Ok(()));
    }

    #[test]
    fn optional_settings_pass() {
        let mut all = valid();
        for (key, value) in [
            ("mint-method", "put"),
            ("auth-header", "X-Admin-Key: {admin_key}"),
            ("test-header", "Authorization: Bearer {api_key}"),
            ("key-path", "data.keys.0.secret"),
            ("not-active-status", "401, 403,409"),
            ("http-retries", "0"),
        ] {
            all.insert(key.to_string(), value.to_string());
        }
        assert_eq!(validate_http_api_settings(&all), Ok(()));
    }

    #[test]
    fn missing_mint_url_is_named() {
        let mut settings = valid();
        settings.remove("mint-url");
        let error = validate_http_api_settings(&settings).unwrap_err();
        assert!(error.contains("mint-url"), "{error}");
    }

    #[test]
    fn unknown_key_is_named() {
        let error = validate_http_api_settings(&with("mint-urll", "x")).unwrap_err();
        assert!(error.contains("mint-urll"), "{error}");
    }

    #[test]
    fn revoke_url_needs_placeholder() {
        let error = validate_http_api_settings(&with("revoke-url", "https://a/keys")).unwrap_err();
        assert!(error.contains("{key_id}"), "{error}");
    }

    #[test]
    fn non_http_url_is_rejected() {
        let error = validate_http_api_settings(&with("mint-url", "ftp://a/keys")).unwrap_err();
        assert!(error.contains("http or https"), "{error}");
    }

    #[test]
    fn url_credentials_are_rejected() {
        let error = validate_http_api_settings(&with("test-url", "https://u:p@a/")).unwrap_err();
        assert!(error.contains("credentials"), "{error}");
    }

    #[test]
    fn header_template_needs_one_field() {
        for template in ["Authorization Bearer {admin_key}", "Authorization: Bearer", "X: {a}{b}", "Bad Name: {a}"] {
            let error = validate_http_api_settings(&with("auth-header", template)).unwrap_err();
            assert!(error.contains("auth-header"), "{template}: {error}");
        }
    }

    #[test]
    fn bad_status_list_is_rejected() {
        assert!(validate_http_api_settings(&with("not-active-status", "200")).is_err());
        assert!(validate_http_api_settings(&with("not-active-status", "abc")).is_err());
    }

    #[test]
    fn retry_budget_is_bounded() {
        assert!(validate_http_api_settings(&with("http-retries", "11")).is_err());
        assert!(validate_http_api_settings(&with("http-retries", "-1")).is_err());
    }

    #[test]
    fn bad_method_is_rejected() {
        let error = validate_http_api_settings(&with("revoke-method", "PURGE")).unwrap_err();
        assert!(error.contains("PURGE"), "{error}");
    }
}
