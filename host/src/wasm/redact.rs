//! Scrubs secret values out of text that a rotator hands back to the host.
//!
//! Rotator log lines and error messages are guest-controlled text, and database
//! errors can quote a statement fragment that contains a password. The host
//! records every value it serves to or receives from a rotator during a step
//! and replaces those values before the text reaches a log or an error.

use zeroize::Zeroizing;

const REPLACEMENT: &str = "[REDACTED]";

/// Values shorter than this are not redacted: they would match ordinary
/// words, and a credential that short offers no protection anyway.
const MIN_REDACTED_LEN: usize = 4;

/// JSON keys whose string values are treated as secrets.
const SECRET_KEY_MARKERS: &[&str] = &["password", "secret", "token", "key", "credential"];

/// Secret values seen during one rotation step.
#[derive(Default)]
pub struct Redactor {
    values: Vec<Zeroizing<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    /// Records a secret string. If it is a JSON object, the values of keys
    /// that look like credentials are recorded too, so an error quoting only
    /// the password is still scrubbed.
    pub fn add_secret_text(&mut self, text: &str) {
        self.add(text);
        if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(text) {
            for (key, value) in fields {
                let key = key.to_ascii_lowercase();
                let looks_secret = SECRET_KEY_MARKERS.iter().any(|marker| key.contains(marker));
                if let (true, serde_json::Value::String(value)) = (looks_secret, value) {
                    self.add(&value);
                }
            }
        }
    }

    /// Records a secret given as bytes; only valid UTF-8 can appear in text.
    pub fn add_secret_bytes(&mut self, bytes: &[u8]) {
        if let Ok(text) = std::str::from_utf8(bytes) {
            self.add_secret_text(text);
        }
    }

    fn add(&mut self, value: &str) {
        if value.len() < MIN_REDACTED_LEN || self.values.iter().any(|known| known.as_str() == value) {
            return;
        }
        self.values.push(Zeroizing::new(value.to_string()));
        // Longest values first, so a password inside a JSON document is not left
        // half-replaced by a shorter match.
        self.values.sort_by_key(|known| std::cmp::Reverse(known.len()));
    }

    /// Returns `text` with every recorded value replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut output = text.to_string();
        for value in &self.values {
            if output.contains(value.as_str()) {
                output = output.replace(value.as_str(), REPLACEMENT);
            }
        }
        output
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_password_is_redacted_alone() {
        let mut redactor = Redactor::default();
        redactor.add_secret_text(r#"{"username":"app","password":"hunter2-long"}"#);
        let text = redactor.redact("syntax error at or near \"hunter2-long\" for app");
        assert_eq!(text, "syntax error at or near \"[REDACTED]\" for app");
    }

    #[test]
    fn username_is_kept() {
        let mut redactor = Redactor::default();
        redactor.add_secret_text(r#"{"username":"app_user","password":"pw-123456"}"#);
        assert_eq!(redactor.redact("role app_user"), "role app_user");
    }

    #[test]
    fn whole_value_is_redacted() {
        let mut redactor = Redactor::default();
        redactor.add_secret_text("plain-api-key-value");
        assert_eq!(redactor.redact("got plain-api-key-value"), "got [REDACTED]");
    }
}
