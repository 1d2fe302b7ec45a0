//! User names for the alternating-users strategy, in which a rotation sets a
//! new password on whichever of two users is not current: `name` and
//! `name_clone`, as in the AWS multi-user rotation templates.

use crate::RotationError;

/// Suffix that marks the second user of a pair.
pub const CLONE_SUFFIX: &str = "_clone";

/// Returns the base user of a pair: `name` without a trailing `_clone`.
pub fn base_username(name: &str) -> &str {
    name.strip_suffix(CLONE_SUFFIX).unwrap_or(name)
}

/// Returns the clone user of a pair: the base user with `_clone` appended.
pub fn clone_username(name: &str) -> String {
    format!("{}{CLONE_SUFFIX}", base_username(name))
}

/// Returns the other user of the pair that `name` belongs to: `name` without
/// `_clone` when it ends with it, otherwise `name` with `_clone` appended.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when the clone name would exceed
/// `max_bytes` (for example 63 for PostgreSQL, whose identifiers are
/// truncated beyond that), also when `name` is itself the clone, so that a
/// pair that cannot exist is reported before anything changes.
pub fn alternate_username(name: &str, max_bytes: usize) -> Result<String, RotationError> {
    let clone = clone_username(name);
    if clone.len() > max_bytes {
        let base = base_username(name);
        return Err(RotationError::InvalidSecret(format!(
            "username {base:?} is {} bytes, so its alternate user {clone:?} would be {} bytes, \
             beyond the {max_bytes}-byte limit for user names on this server; use a username of \
             at most {} bytes",
            base.len(),
            clone.len(),
            max_bytes.saturating_sub(CLONE_SUFFIX.len())
        )));
    }
    if name.ends_with(CLONE_SUFFIX) {
        Ok(base_username(name).to_string())
    } else {
        Ok(clone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_toggles_clone_suffix() {
        assert_eq!(alternate_username("app", 63).unwrap(), "app_clone");
        assert_eq!(alternate_username("app_clone", 63).unwrap(), "app");
    }

    #[test]
    fn base_and_clone_of_either_user() {
        assert_eq!(base_username("app_clone"), "app");
        assert_eq!(base_username("app"), "app");
        assert_eq!(clone_username("app"), "app_clone");
        assert_eq!(clone_username("app_clone"), "app_clone");
    }

    #[test]
    fn clone_at_limit_is_accepted() {
        let base = "a".repeat(57);
        let alternate = alternate_username(&base, 63).unwrap();
        assert_eq!(alternate.len(), 63);
    }

    #[test]
    fn clone_over_limit_is_rejected() {
        let base = "a".repeat(58);
        let Err(RotationError::InvalidSecret(message)) = alternate_username(&base, 63) else {
            panic!("expected RotationError::InvalidSecret");
        };
        assert!(message.contains("63-byte limit"), "{message}");
        assert!(message.contains("at most 57 bytes"), "{message}");
    }

    #[test]
    fn limit_counts_bytes_not_characters() {
        // 29 two-byte characters are 58 bytes.
        let base = "é".repeat(29);
        assert!(alternate_username(&base, 63).is_err());
    }

    #[test]
    fn overlong_clone_name_is_rejected_too() {
        let clone = format!("{}_clone", "a".repeat(58));
        assert!(alternate_username(&clone, 63).is_err());
    }
}
