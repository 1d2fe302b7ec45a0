//! Rotation windows: when each window starts, how long it lasts, and the
//! Secrets Manager limits on both.
//!
//! Windows start on the hour, in UTC. `AutomaticallyAfterDays` and
//! `rate(N days)` windows start at midnight and last until the end of that
//! day unless `Duration` is shorter; `rate(N hours)` windows last one hour by
//! default; cron windows last one hour when the expression matches several
//! hours a day, else until the end of the day.

use time::{Duration, OffsetDateTime, Time, UtcOffset};

use super::parse::{MAX_WINDOW_HOURS, MIN_INTERVAL_HOURS};
use super::{RotationRules, Schedule, ScheduleError};

/// Windows searched when skipping windows that already ended, enough for
/// a `rate(4 hours)` schedule after more than a year of downtime.
const MAX_SKIPPED_WINDOWS: usize = 4096;

/// One rotation window: a rotation may start at `start` or later, and before
/// `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

impl Window {
    /// Returns whether `at` lies inside the window.
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        self.start <= at && at < self.end
    }
}

impl RotationRules {
    /// Returns the start of the first window after `anchor`. For cron this is
    /// the first match strictly after `anchor`; for day and hour intervals it
    /// is `anchor`'s midnight or hour plus the interval. `None` when a cron
    /// expression never matches again.
    pub fn next_start(&self, anchor: OffsetDateTime) -> Option<OffsetDateTime> {
        let anchor = anchor.to_offset(UtcOffset::UTC);
        match &self.schedule {
            Schedule::AfterDays(days) | Schedule::RateDays(days) => {
                Some(anchor.replace_time(Time::MIDNIGHT) + Duration::days(i64::from(*days)))
            }
            Schedule::RateHours(hours) => {
                let hour = Time::from_hms(anchor.hour(), 0, 0).ok()?;
                Some(anchor.replace_time(hour) + Duration::hours(i64::from(*hours)))
            }
            Schedule::Cron(cron) => cron.next_after(anchor),
        }
    }

    /// Returns the window that starts at `start`.
    pub fn window_at(&self, start: OffsetDateTime) -> Window {
        let start = start.to_offset(UtcOffset::UTC);
        let until_midnight = 24 - i64::from(start.hour());
        let default_hours = match &self.schedule {
            Schedule::RateHours(_) => 1,
            Schedule::Cron(cron) if cron.hours().len() > 1 => 1,
            _ => until_midnight,
        };
        let hours = self
            .duration_hours
            .map(i64::from)
            .unwrap_or(default_hours)
            .min(until_midnight);
        Window {
            start,
            end: start + Duration::hours(hours),
        }
    }

    /// Returns the first window after the one starting at `start` that has
    /// not ended at `now`, skipping windows missed while the server was down.
    pub fn next_open_window(&self, start: OffsetDateTime, now: OffsetDateTime) -> Option<Window> {
        let mut next = self.next_start(start)?;
        for _ in 0..MAX_SKIPPED_WINDOWS {
            let window = self.window_at(next);
            if window.end > now {
                return Some(window);
            }
            next = self.next_start(next)?;
        }
        self.next_start(now).map(|start| self.window_at(start))
    }

    /// Checks the interval and `Duration` limits: at least four hours between
    /// rotations, and no window that reaches into the next window or the next
    /// UTC day.
    pub(super) fn check_window(&self) -> Result<(), ScheduleError> {
        let duration = self.duration_hours;
        match &self.schedule {
            Schedule::RateHours(hours) => {
                if let Some(d) = duration
                    && d > *hours
                {
                    return Err(ScheduleError::invalid(format!(
                        "The rotation window of {d}h is longer than the {hours} hours between \
                         rotations; use a Duration of at most {hours}h."
                    )));
                }
            }
            Schedule::Cron(cron) => {
                let hours = cron.hours();
                if hours.is_empty() {
                    return Err(ScheduleError::invalid(
                        "The hours field of the cron expression matches no hour.",
                    ));
                }
                // The gap after the last hour of a day runs to the first hour
                // of the next day.
                let first = u32::from(hours[0]);
                let last = u32::from(hours[hours.len() - 1]);
                let mut gaps: Vec<u32> =
                    hours.windows(2).map(|pair| u32::from(pair[1] - pair[0])).collect();
                gaps.push(first + 24 - last);
                let min_gap = gaps.into_iter().min().unwrap_or(24);
                if min_gap < MIN_INTERVAL_HOURS {
                    return Err(ScheduleError::invalid(format!(
                        "The cron expression {} rotates {min_gap} hour(s) apart; Secrets Manager \
                         rotates at most every {MIN_INTERVAL_HOURS} hours.",
                        self.expression.as_deref().unwrap_or_default()
                    )));
                }
                if let Some(d) = duration {
                    if hours.len() > 1 && d > min_gap {
                        return Err(ScheduleError::invalid(format!(
                            "The rotation window of {d}h reaches into the next window, which \
                             starts {min_gap} hours later; use a Duration of at most {min_gap}h."
                        )));
                    }
                    if last + d > MAX_WINDOW_HOURS {
                        return Err(ScheduleError::invalid(format!(
                            "The rotation window of {d}h that starts at {last}:00 UTC reaches \
                             into the next UTC day; use a Duration of at most {}h.",
                            MAX_WINDOW_HOURS - last
                        )));
                    }
                }
                if cron.next_after(OffsetDateTime::UNIX_EPOCH).is_none() {
                    return Err(ScheduleError::invalid(format!(
                        "The cron expression {} matches no date.",
                        self.expression.as_deref().unwrap_or_default()
                    )));
                }
            }
            Schedule::AfterDays(_) | Schedule::RateDays(_) => {}
        }
        Ok(())
    }
}
