//! Typed access to the non-secret settings of a rotation configuration
//! (`RotationEvent::settings`).
//!
//! When a key appears more than once, the last occurrence wins, as with an
//! insertion into a map.

use crate::RotationError;

/// Returns the value of setting `key`, or `None` when it is absent.
pub fn get<'a>(settings: &'a [(String, String)], key: &str) -> Option<&'a str> {
    settings
        .iter()
        .rev()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
}

/// Parses a boolean setting the way the AWS rotation templates parse their
/// environment variables: `true`, `1`, `y` and `yes` (any case, surrounding
/// whitespace ignored) mean true and every other value means false. An absent
/// key returns `default`.
pub fn get_bool(settings: &[(String, String)], key: &str, default: bool) -> bool {
    match get(settings, key) {
        Some(value) => parse_bool(value),
        None => default,
    }
}

/// Parses an unsigned integer setting. An absent key returns `default`.
///
/// # Errors
///
/// Returns `RotationError::Other` naming the key and the value when the value
/// is not a decimal integer in the `u32` range.
pub fn get_u32(
    settings: &[(String, String)],
    key: &str,
    default: u32,
) -> Result<u32, RotationError> {
    let Some(value) = get(settings, key) else {
        return Ok(default);
    };
    value.trim().parse::<u32>().map_err(|_| {
        RotationError::Other(format!(
            "invalid setting `{key}`: expected an unsigned integer, got `{value}`"
        ))
    })
}

fn parse_bool(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "y" | "yes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn get_returns_last_occurrence() {
        let list = settings(&[("a", "1"), ("b", "2"), ("a", "3")]);
        assert_eq!(get(&list, "a"), Some("3"));
        assert_eq!(get(&list, "b"), Some("2"));
        assert_eq!(get(&list, "c"), None);
    }

    #[test]
    fn get_bool_accepts_template_spellings() {
        for value in ["true", "TRUE", "1", "y", "Y", "yes", " Yes "] {
            let list = settings(&[("flag", value)]);
            assert!(get_bool(&list, "flag", false), "`{value}` should be true");
        }
        for value in ["false", "0", "n", "no", "", "on", "2"] {
            let list = settings(&[("flag", value)]);
            assert!(!get_bool(&list, "flag", true), "`{value}` should be false");
        }
    }

    #[test]
    fn get_bool_absent_uses_default() {
        let list = settings(&[]);
        assert!(get_bool(&list, "flag", true));
        assert!(!get_bool(&list, "flag", false));
    }

    #[test]
    fn get_u32_parses_and_defaults() {
        let list = settings(&[("password-length", " 48 ")]);
        assert_eq!(get_u32(&list, "password-length", 32).unwrap(), 48);
        assert_eq!(get_u32(&list, "missing", 32).unwrap(), 32);
    }

    #[test]
    fn get_u32_rejects_bad_values() {
        for value in ["-1", "abc", "4294967296", "1.5", ""] {
            let list = settings(&[("password-length", value)]);
            let error = get_u32(&list, "password-length", 32).unwrap_err();
            let RotationError::Other(message) = error else {
                panic!("expected RotationError::Other for `{value}`");
            };
            assert!(message.contains("password-length"), "message: {message}");
        }
    }
}
