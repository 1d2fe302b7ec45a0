//! One rotation event and its JSON body.

use serde::Serialize;
use time::OffsetDateTime;

/// CloudTrail names of the rotation events of Secrets Manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EventName {
    RotationStarted,
    RotationSucceeded,
    RotationFailed,
    /// The rotation window ended before a rotation succeeded; the next
    /// attempt waits for the next window.
    RotationAbandoned,
}

impl EventName {
    pub fn as_str(self) -> &'static str {
        match self {
            EventName::RotationStarted => "RotationStarted",
            EventName::RotationSucceeded => "RotationSucceeded",
            EventName::RotationFailed => "RotationFailed",
            EventName::RotationAbandoned => "RotationAbandoned",
        }
    }
}

/// Origin of a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Trigger {
    /// The scheduler started it inside a rotation window.
    Schedule,
    /// A RotateSecret call (API or `tumbler secret rotate` on a server) started it.
    RotateSecret,
}

/// A rotation event. It carries names, ids and dates, never a secret value;
/// `error_message` comes from the rotation engine, which redacts values.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_name: EventName,
    #[serde(with = "time::serde::rfc3339")]
    pub event_time: OffsetDateTime,
    pub secret_arn: String,
    pub secret_name: String,
    /// Version id of the rotation, when one was started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Starter of the rotation: the scheduler or a RotateSecret call.
    pub trigger: Trigger,
    /// Attempt number inside the rotation window, from 1; always 1 for a
    /// rotation that RotateSecret started.
    pub attempt: u32,
    /// The rotation window; absent for a rotation that RotateSecret started.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub window_start: Option<OffsetDateTime>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub window_end: Option<OffsetDateTime>,
    /// When the next attempt may start, after a failure or an abandoned window.
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub next_attempt: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

impl Event {
    /// Writes the event to the log: failures as warnings, the rest as info.
    pub fn log(&self) {
        let name = self.event_name.as_str();
        let version_id = self.version_id.as_deref().unwrap_or("-");
        match self.event_name {
            EventName::RotationFailed | EventName::RotationAbandoned => tracing::warn!(
                event = name,
                secret_arn = %self.secret_arn,
                version_id,
                attempt = self.attempt,
                window_end = ?self.window_end,
                next_attempt = ?self.next_attempt,
                error = self.error_message.as_deref().unwrap_or("-"),
                "rotation event"
            ),
            _ => tracing::info!(
                event = name,
                secret_arn = %self.secret_arn,
                version_id,
                attempt = self.attempt,
                window_end = ?self.window_end,
                "rotation event"
            ),
        }
    }
}
