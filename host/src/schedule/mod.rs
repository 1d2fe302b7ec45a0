//! Rotation rules: `AutomaticallyAfterDays`, `rate(...)` and AWS six-field
//! `cron(...)` schedules with their `Duration` windows, all evaluated in UTC.
//!
//! - [`parse`]: validation of the RotationRules members and their JSON form.
//! - [`cron`]: the AWS cron dialect (`?`, `L`, `W`, `#`, names) and its
//!   evaluation hour by hour.
//! - [`window`]: window starts and lengths, and the next window after a date.

pub mod cron;
mod error;
pub mod parse;
pub mod window;

#[cfg(test)]
mod tests;

pub use cron::CronSchedule;
pub use error::ScheduleError;
pub use parse::{RotationRules, Schedule};
pub use window::Window;
