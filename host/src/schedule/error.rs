//! Errors of rotation rules, each mapped to one AWS error type.

use thiserror::Error;

/// An invalid `RotationRules` member. Messages name the rejected value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The value breaks the length or character pattern of the AWS model;
    /// AWS reports these as `ValidationException`.
    #[error("{0}")]
    Validation(String),
    /// The value has the right shape but breaks a Secrets Manager rule;
    /// reported as `InvalidParameterException`.
    #[error("{0}")]
    InvalidParameter(String),
}

impl ScheduleError {
    /// Returns the AWS error type (`__type`) of this error.
    pub fn aws_type(&self) -> &'static str {
        match self {
            ScheduleError::Validation(_) => "ValidationException",
            ScheduleError::InvalidParameter(_) => "InvalidParameterException",
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        ScheduleError::InvalidParameter(message.into())
    }
}
