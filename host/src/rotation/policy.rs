//! Rotation settings that come from configuration: allow-lists, limits and retries.

use std::collections::HashMap;
use std::time::Duration;

use crate::wasm::{AllowList, StepLimits};

/// Retries of steps that fail with a transient error (`unavailable`,
/// `not-yet-valid`).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts per step, the first included.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each later one.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

#[derive(Clone, Debug, Default)]
pub struct RotationPolicy {
    pub limits: StepLimits,
    pub retry: RetryPolicy,
    /// Allow-lists by rotator name.
    pub allow_lists: HashMap<String, AllowList>,
}

impl RotationPolicy {
    /// Returns the configured allow-list of a rotator; empty (deny all) when
    /// none is configured.
    pub fn allow_list_for(&self, rotator: &str) -> AllowList {
        self.allow_lists.get(rotator).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
        };
        assert_eq!(retry.backoff(1), Duration::from_secs(1));
        assert_eq!(retry.backoff(2), Duration::from_secs(2));
        assert_eq!(retry.backoff(3), Duration::from_secs(4));
        assert_eq!(retry.backoff(4), Duration::from_secs(5));
        assert_eq!(retry.backoff(40), Duration::from_secs(5));
    }
}
