//! Claims on due rotations, so that each due rotation runs once even when
//! several schedulers share a database.

use time::OffsetDateTime;

use super::SecretRecord;

/// A secret whose rotation window has started, claimed by one scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct DueRotation {
    pub secret: SecretRecord,
    /// Failed attempts in the current window before this claim.
    pub window_attempts: u32,
}

/// Schedule state that a scheduler records when it gives a claim back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRelease {
    /// New start of the next window: `None` keeps the current one and
    /// `Some(None)` clears it, which stops scheduled rotation.
    pub next_rotation_at: Option<Option<OffsetDateTime>>,
    /// Earliest next attempt inside the current window; `None` clears it.
    pub retry_at: Option<OffsetDateTime>,
    /// Failed attempts in the current window.
    pub window_attempts: u32,
}
