//! Validation of the RotationRules members and their stored JSON form.

use serde_json::json;

use super::{CronSchedule, ScheduleError};

/// `AutomaticallyAfterDays` range (AWS model).
pub const MIN_DAYS: u32 = 1;
pub const MAX_DAYS: u32 = 1000;
/// `rate(N days)` allows at most 999 days.
pub const MAX_RATE_DAYS: u32 = 999;
/// Secrets Manager rotates at most every four hours.
pub const MIN_INTERVAL_HOURS: u32 = 4;
/// Maximum `ScheduleExpression` length (AWS model).
pub const MAX_EXPRESSION_LEN: usize = 256;
/// A window may not reach into the next UTC day, so it is at most 24 hours.
pub const MAX_WINDOW_HOURS: u32 = 24;

/// How often a secret rotates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `AutomaticallyAfterDays`: days after the last rotation or manual change.
    AfterDays(u32),
    /// `rate(N hours)`.
    RateHours(u32),
    /// `rate(N days)`.
    RateDays(u32),
    /// `cron(...)`.
    Cron(CronSchedule),
}

/// Validated rotation rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRules {
    pub schedule: Schedule,
    /// `ScheduleExpression` as the caller wrote it; `None` for
    /// `AutomaticallyAfterDays`.
    pub expression: Option<String>,
    /// `Duration` in hours, if given.
    pub duration_hours: Option<u32>,
}

impl RotationRules {
    /// Validates the three RotationRules members with the Secrets Manager
    /// rules. Exactly one of `days` and `expression` must be present.
    pub fn parse(
        days: Option<i64>,
        expression: Option<&str>,
        duration: Option<&str>,
    ) -> Result<RotationRules, ScheduleError> {
        let schedule = match (days, expression) {
            (Some(_), Some(_)) => {
                return Err(ScheduleError::invalid(
                    "You cannot specify both rotation frequency and schedule expression together.",
                ));
            }
            (None, None) => {
                return Err(ScheduleError::invalid(
                    "RotationRules must contain AutomaticallyAfterDays or ScheduleExpression.",
                ));
            }
            (Some(days), None) => {
                if !(i64::from(MIN_DAYS)..=i64::from(MAX_DAYS)).contains(&days) {
                    return Err(ScheduleError::invalid(
                        "RotationRules.AutomaticallyAfterDays must be within 1-1000.",
                    ));
                }
                Schedule::AfterDays(days as u32)
            }
            (None, Some(expression)) => parse_expression(expression)?,
        };
        let duration_hours = duration.map(parse_duration).transpose()?;
        let rules = RotationRules {
            schedule,
            expression: expression.map(str::to_owned),
            duration_hours,
        };
        rules.check_window()?;
        Ok(rules)
    }

    /// Reads rules stored by [`to_json`](RotationRules::to_json).
    pub fn from_json(text: &str) -> Result<RotationRules, ScheduleError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            ScheduleError::invalid(format!("The stored RotationRules are not JSON: {error}"))
        })?;
        let days = value.get("AutomaticallyAfterDays").and_then(|v| v.as_i64());
        let expression = value.get("ScheduleExpression").and_then(|v| v.as_str());
        let duration = value.get("Duration").and_then(|v| v.as_str());
        RotationRules::parse(days, expression, duration)
    }

    /// Returns the JSON object that DescribeSecret reports as `RotationRules`.
    pub fn to_json(&self) -> String {
        let mut object = serde_json::Map::new();
        match (&self.schedule, &self.expression) {
            (Schedule::AfterDays(days), _) => {
                object.insert("AutomaticallyAfterDays".into(), json!(days));
            }
            (_, Some(expression)) => {
                object.insert("ScheduleExpression".into(), json!(expression));
            }
            (_, None) => {}
        }
        if let Some(hours) = self.duration_hours {
            object.insert("Duration".into(), json!(format!("{hours}h")));
        }
        serde_json::Value::Object(object).to_string()
    }

    /// Returns the `AutomaticallyAfterDays` value, if the rules use it.
    pub fn after_days(&self) -> Option<u32> {
        match self.schedule {
            Schedule::AfterDays(days) => Some(days),
            _ => None,
        }
    }
}

/// Parses `rate(N unit)` or `cron(...)`.
fn parse_expression(expression: &str) -> Result<Schedule, ScheduleError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "()#?*-/, ".contains(c);
    if expression.is_empty()
        || expression.chars().count() > MAX_EXPRESSION_LEN
        || !expression.chars().all(allowed)
    {
        return Err(ScheduleError::Validation(format!(
            "1 validation error detected: Value at 'rotationRules.scheduleExpression' failed to \
             satisfy constraint: Member must have length between 1 and {MAX_EXPRESSION_LEN} and \
             satisfy regular expression pattern: [0-9A-Za-z\\(\\)#\\?\\*\\-\\/, ]+"
        )));
    }
    if let Some(body) = inner(expression, "rate(") {
        return parse_rate(expression, body);
    }
    if let Some(body) = inner(expression, "cron(") {
        return CronSchedule::parse(body)
            .map(Schedule::Cron)
            .map_err(|error| ScheduleError::invalid(format!("Invalid ScheduleExpression {expression:?}: {error}")));
    }
    Err(ScheduleError::invalid(format!(
        "Invalid ScheduleExpression {expression:?}. Use rate(N hours), rate(N days) or a \
         six-field cron(...) expression."
    )))
}

fn inner<'a>(expression: &'a str, prefix: &str) -> Option<&'a str> {
    expression.trim().strip_prefix(prefix)?.strip_suffix(')')
}

fn parse_rate(expression: &str, body: &str) -> Result<Schedule, ScheduleError> {
    let invalid = || {
        ScheduleError::invalid(format!(
            "Invalid ScheduleExpression {expression:?}. Use rate(N hours) with N of at least \
             {MIN_INTERVAL_HOURS}, or rate(N days) with N from 1 to {MAX_RATE_DAYS}."
        ))
    };
    let mut parts = body.split_whitespace();
    let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let count: u32 = count.parse().map_err(|_| invalid())?;
    match unit {
        "hour" | "hours" if count >= MIN_INTERVAL_HOURS => Ok(Schedule::RateHours(count)),
        "day" | "days" if (1..=MAX_RATE_DAYS).contains(&count) => Ok(Schedule::RateDays(count)),
        _ => Err(invalid()),
    }
}

/// Parses `Duration`: 2 or 3 characters matching `[0-9]+h`, from 1 to 24 hours.
fn parse_duration(duration: &str) -> Result<u32, ScheduleError> {
    let digits = duration.strip_suffix('h').unwrap_or("");
    let shaped = (2..=3).contains(&duration.len())
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit());
    if !shaped {
        return Err(ScheduleError::Validation(format!(
            "1 validation error detected: Value {duration:?} at 'rotationRules.duration' failed \
             to satisfy constraint: Member must have length between 2 and 3 and satisfy regular \
             expression pattern: [0-9]+h"
        )));
    }
    match digits.parse::<u32>() {
        Ok(hours) if (1..=MAX_WINDOW_HOURS).contains(&hours) => Ok(hours),
        _ => Err(ScheduleError::invalid(format!(
            "Invalid Duration {duration:?}. Use a whole number of hours from 1 to \
             {MAX_WINDOW_HOURS} followed by h, for example 3h."
        ))),
    }
}
