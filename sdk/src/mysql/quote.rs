//! Quoting of strings, identifiers and account names for MySQL and MariaDB.

use crate::RotationError;

/// Escaping rule of the session for backslashes in string literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringEscapes {
    /// The default: a backslash starts an escape sequence, so `\\` is one
    /// backslash.
    Backslash,
    /// `sql_mode` contains `NO_BACKSLASH_ESCAPES`: a backslash is an ordinary
    /// character.
    NoBackslashEscapes,
}

impl StringEscapes {
    /// Reads the escaping rule from the text of `@@SESSION.sql_mode`.
    pub fn from_sql_mode(sql_mode: &str) -> Self {
        let set = sql_mode
            .split(',')
            .any(|mode| mode.trim().eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES"));
        if set {
            Self::NoBackslashEscapes
        } else {
            Self::Backslash
        }
    }
}

/// Quotes `value` as a single-quoted string literal that reads back as
/// `value` under `escapes`. Single quotes are doubled, which both modes
/// accept, and backslashes are doubled only when the session treats them as
/// escapes. A value without backslashes quotes the same way in both modes.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when `value` contains a NUL
/// character. The message does not include the value.
pub fn quote_string(value: &str, escapes: StringEscapes) -> Result<String, RotationError> {
    if value.contains('\0') {
        return Err(RotationError::InvalidSecret(
            "string literal contains a NUL character".to_string(),
        ));
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for character in value.chars() {
        if character == '\'' || (character == '\\' && escapes == StringEscapes::Backslash) {
            quoted.push(character);
        }
        quoted.push(character);
    }
    quoted.push('\'');
    Ok(quoted)
}

/// Quotes `name` as a backtick-delimited identifier, doubling inner
/// backticks. Backticks work under every `sql_mode`, including
/// `ANSI_QUOTES`.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when `name` is empty or contains a
/// NUL character, neither of which MySQL accepts in an identifier.
pub fn quote_identifier(name: &str) -> Result<String, RotationError> {
    if name.is_empty() {
        return Err(RotationError::InvalidSecret(
            "identifier is empty; MySQL rejects zero-length identifiers".to_string(),
        ));
    }
    if name.contains('\0') {
        return Err(RotationError::InvalidSecret(
            "identifier contains a NUL character".to_string(),
        ));
    }
    Ok(format!("`{}`", name.replace('`', "``")))
}

/// Quotes an account name `'user'@'host'`. Both parts are string literals,
/// so they follow [`quote_string`].
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when `user` is empty (the
/// anonymous account, which no rotator should change) or either part
/// contains a NUL character.
pub fn quote_account(
    user: &str,
    host: &str,
    escapes: StringEscapes,
) -> Result<String, RotationError> {
    if user.is_empty() {
        return Err(RotationError::InvalidSecret(
            "user name is empty; the anonymous account cannot be rotated".to_string(),
        ));
    }
    Ok(format!(
        "{}@{}",
        quote_string(user, escapes)?,
        quote_string(host, escapes)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_string_default_mode_cases() {
        let cases = [
            ("plain", "'plain'"),
            ("", "''"),
            ("it's", "'it''s'"),
            ("back\\slash", "'back\\\\slash'"),
            ("\\'", "'\\\\'''"),
            ("\"dq\"", "'\"dq\"'"),
            ("p%}>@:/?#{}!'\"\\;x", "'p%}>@:/?#{}!''\"\\\\;x'"),
        ];
        for (input, expected) in cases {
            let quoted = quote_string(input, StringEscapes::Backslash).unwrap();
            assert_eq!(quoted, expected, "input {input:?}");
        }
    }

    #[test]
    fn quote_string_no_backslash_mode_keeps_backslashes() {
        let quoted = quote_string("a\\'b", StringEscapes::NoBackslashEscapes).unwrap();
        assert_eq!(quoted, "'a\\''b'");
    }

    #[test]
    fn quote_string_without_backslash_is_mode_independent() {
        let value = "x'; DROP USER root; --";
        let default = quote_string(value, StringEscapes::Backslash).unwrap();
        let ansi = quote_string(value, StringEscapes::NoBackslashEscapes).unwrap();
        assert_eq!(default, ansi);
    }

    #[test]
    fn quote_string_rejects_nul_without_value() {
        let error = quote_string("secret\0value", StringEscapes::Backslash).unwrap_err();
        let RotationError::InvalidSecret(message) = error else {
            panic!("expected RotationError::InvalidSecret");
        };
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn quote_identifier_cases() {
        assert_eq!(quote_identifier("app").unwrap(), "`app`");
        assert_eq!(quote_identifier("a`b").unwrap(), "`a``b`");
        assert_eq!(quote_identifier("my db").unwrap(), "`my db`");
        assert!(quote_identifier("").is_err());
        assert!(quote_identifier("a\0").is_err());
    }

    #[test]
    fn quote_account_quotes_both_parts() {
        let account = quote_account("o'neil", "10.%", StringEscapes::Backslash).unwrap();
        assert_eq!(account, "'o''neil'@'10.%'");
    }

    #[test]
    fn quote_account_rejects_anonymous_user() {
        assert!(quote_account("", "%", StringEscapes::Backslash).is_err());
    }

    #[test]
    fn sql_mode_parsing() {
        let mode = "STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES";
        assert_eq!(
            StringEscapes::from_sql_mode(mode),
            StringEscapes::NoBackslashEscapes
        );
        assert_eq!(
            StringEscapes::from_sql_mode("ANSI_QUOTES"),
            StringEscapes::Backslash
        );
        assert_eq!(StringEscapes::from_sql_mode(""), StringEscapes::Backslash);
    }
}
