//! The AWS cron dialect of Secrets Manager schedules and its evaluation.
//!
//! `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, evaluated in
//! UTC. Secrets Manager fixes minutes at `0` and the year at `*`, and exactly
//! one of day-of-month and day-of-week must be `?`. Day-of-week numbers run
//! from 1 (SUN) to 7 (SAT), as in EventBridge.
//!
//! The `cron` crate does not fit here: it numbers weekdays from 0, has no `W`,
//! reads `L` and `#` differently and works on chrono types, while Tumbler uses
//! `time`. Because minutes are always 0, evaluation walks whole days and then
//! the matching hours of each day.

use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::ScheduleError;

/// Years searched for the next match. A schedule for 29 February matches once
/// in four years (eight around 2100), so nine years cover every valid schedule.
const SEARCH_YEARS: i64 = 9;

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A parsed AWS cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    /// Bit `h` set when hour `h` (0-23) matches.
    hours: u32,
    /// Bit `m` set when month `m` (1-12) matches.
    months: u16,
    days: DaySpec,
}

/// The day field that is not `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DaySpec {
    Month(Vec<MonthDay>),
    Week(Vec<WeekDay>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MonthDay {
    /// Bit `d` set when day `d` (1-31) matches.
    Days(u32),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Monday to Friday) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest to day `n` inside the same month.
    NearestWeekday(u8),
    /// `<DAY>L`, for example `SUNL`: the last such weekday of the month.
    LastOf(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WeekDay {
    /// Bit `d` set when weekday `d` (1 = SUN to 7 = SAT) matches.
    Days(u8),
    /// `<DAY>L`: the last such weekday of the month.
    LastOf(u8),
    /// `<DAY>#n`: the n-th such weekday of the month.
    Nth(u8, u8),
}

impl CronSchedule {
    /// Parses the six fields inside `cron(...)`.
    pub fn parse(body: &str) -> Result<CronSchedule, ScheduleError> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        let [minutes, hours, day_of_month, month, day_of_week, year] = fields[..] else {
            return Err(ScheduleError::invalid(format!(
                "The cron expression {body:?} has {} fields; Secrets Manager expects six: \
                 minutes hours day-of-month month day-of-week year.",
                fields.len()
            )));
        };
        if minutes != "0" {
            return Err(ScheduleError::invalid(format!(
                "The minutes field of a cron expression must be 0, not {minutes:?}, because \
                 rotation windows start on the hour."
            )));
        }
        if year != "*" {
            return Err(ScheduleError::invalid(format!(
                "The year field of a cron expression must be *, not {year:?}."
            )));
        }
        let hours = parse_numbers("hours", hours, 0, 23, &[])? as u32;
        let months = parse_numbers("month", month, 1, 12, &MONTH_NAMES)? as u16;
        let days = match (day_of_month == "?", day_of_week == "?") {
            (true, false) => DaySpec::Week(parse_week_days(day_of_week)?),
            (false, true) => DaySpec::Month(parse_month_days(day_of_month)?),
            _ => {
                return Err(ScheduleError::invalid(format!(
                    "Exactly one of day-of-month ({day_of_month:?}) and day-of-week \
                     ({day_of_week:?}) must be ?."
                )));
            }
        };
        Ok(CronSchedule {
            hours,
            months,
            days,
        })
    }

    /// Matching hours of a day, ascending.
    pub fn hours(&self) -> Vec<u8> {
        (0..24u8).filter(|h| self.hours & (1 << h) != 0).collect()
    }

    /// Returns whether the schedule matches any hour of `date`.
    pub fn matches_date(&self, date: Date) -> bool {
        if self.months & (1 << u8::from(date.month())) == 0 {
            return false;
        }
        match &self.days {
            DaySpec::Month(items) => items.iter().any(|item| month_day_matches(*item, date)),
            DaySpec::Week(items) => items.iter().any(|item| week_day_matches(*item, date)),
        }
    }

    /// Returns the first match strictly after `after`, or `None` when the
    /// schedule matches no date within nine years (for example 30 February).
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let after = after.to_offset(UtcOffset::UTC);
        let first_date = after.date();
        let last_date = first_date.checked_add(Duration::days(SEARCH_YEARS * 366))?;
        let hours = self.hours();
        let mut date = first_date;
        while date <= last_date {
            if self.matches_date(date) {
                for &hour in &hours {
                    let time = Time::from_hms(hour, 0, 0).ok()?;
                    let candidate = PrimitiveDateTime::new(date, time).assume_utc();
                    if candidate > after {
                        return Some(candidate);
                    }
                }
            }
            date = date.next_day()?;
        }
        None
    }
}

fn month_day_matches(item: MonthDay, date: Date) -> bool {
    let day = date.day();
    let last = last_day_of_month(date);
    match item {
        MonthDay::Days(mask) => mask & (1 << day) != 0,
        MonthDay::Last => day == last,
        MonthDay::LastWeekday => Some(day) == last_weekday_of_month(date),
        MonthDay::NearestWeekday(target) => nearest_weekday(date, target) == Some(day),
        MonthDay::LastOf(weekday) => weekday_number(date) == weekday && day + 7 > last,
    }
}

fn week_day_matches(item: WeekDay, date: Date) -> bool {
    let weekday = weekday_number(date);
    match item {
        WeekDay::Days(mask) => mask & (1 << weekday) != 0,
        WeekDay::LastOf(target) => weekday == target && date.day() + 7 > last_day_of_month(date),
        WeekDay::Nth(target, n) => weekday == target && (date.day() - 1) / 7 + 1 == n,
    }
}

/// Weekday number from 1 (Sunday) to 7 (Saturday).
fn weekday_number(date: Date) -> u8 {
    date.weekday().number_from_sunday()
}

/// Returns the last Monday to Friday of `date`'s month.
fn last_weekday_of_month(date: Date) -> Option<u8> {
    let mut day = date.replace_day(last_day_of_month(date)).ok()?;
    while !(2..=6).contains(&weekday_number(day)) {
        day = day.previous_day()?;
    }
    Some(day.day())
}

fn last_day_of_month(date: Date) -> u8 {
    date.month().length(date.year())
}

/// Returns the day of `date`'s month that `<target>W` selects: the target itself on
/// Monday to Friday, else the nearest weekday without leaving the month.
fn nearest_weekday(date: Date, target: u8) -> Option<u8> {
    let last = last_day_of_month(date);
    if target > last {
        return None;
    }
    let day = date.replace_day(target).ok()?;
    Some(match weekday_number(day) {
        1 if target == last => target - 2,
        1 => target + 1,
        7 if target == 1 => target + 2,
        7 => target - 1,
        _ => target,
    })
}

fn parse_month_days(field: &str) -> Result<Vec<MonthDay>, ScheduleError> {
    let mut items = Vec::new();
    let mut plain = Vec::new();
    for item in field.split(',') {
        let upper = item.to_ascii_uppercase();
        if upper == "L" {
            items.push(MonthDay::Last);
        } else if upper == "LW" {
            items.push(MonthDay::LastWeekday);
        } else if let Some(day) = upper.strip_suffix('W') {
            let day = parse_value("day-of-month", day, 1, 31, &[])?;
            items.push(MonthDay::NearestWeekday(day));
        } else if let Some(weekday) = upper.strip_suffix('L') {
            let weekday = parse_value("day-of-month", weekday, 1, 7, &WEEKDAY_NAMES)?;
            items.push(MonthDay::LastOf(weekday));
        } else {
            plain.push(item);
        }
    }
    if !plain.is_empty() {
        let mask = parse_numbers("day-of-month", &plain.join(","), 1, 31, &[])?;
        items.push(MonthDay::Days(mask as u32));
    }
    Ok(items)
}

fn parse_week_days(field: &str) -> Result<Vec<WeekDay>, ScheduleError> {
    let mut items = Vec::new();
    let mut plain = Vec::new();
    for item in field.split(',') {
        let upper = item.to_ascii_uppercase();
        if upper == "L" {
            // `L` alone is the last day of the week, Saturday.
            items.push(WeekDay::Days(1 << 7));
        } else if let Some((weekday, n)) = upper.split_once('#') {
            let weekday = parse_value("day-of-week", weekday, 1, 7, &WEEKDAY_NAMES)?;
            let n = parse_value("day-of-week", n, 1, 5, &[])?;
            items.push(WeekDay::Nth(weekday, n));
        } else if let Some(weekday) = upper.strip_suffix('L') {
            let weekday = parse_value("day-of-week", weekday, 1, 7, &WEEKDAY_NAMES)?;
            items.push(WeekDay::LastOf(weekday));
        } else {
            plain.push(item);
        }
    }
    if !plain.is_empty() {
        let mask = parse_numbers("day-of-week", &plain.join(","), 1, 7, &WEEKDAY_NAMES)?;
        items.push(WeekDay::Days(mask as u8));
    }
    Ok(items)
}

/// Parses a list of `*`, `n`, `a-b` and steps (`*/s`, `a/s`, `a-b/s`, `/s`)
/// into a bit mask. `names[i]` stands for the value `min + i`. A range whose
/// start is after its end wraps around, as `FRI-MON` does.
fn parse_numbers(
    field: &str,
    text: &str,
    min: u8,
    max: u8,
    names: &[&str],
) -> Result<u64, ScheduleError> {
    let mut mask = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(parse_step(field, item, step, max)?)),
            None => (item, None),
        };
        let (start, end) = match range {
            "*" => (min, max),
            "" if step.is_some() => (min, max),
            _ => match range.split_once('-') {
                Some((a, b)) => (
                    parse_value(field, a, min, max, names)?,
                    parse_value(field, b, min, max, names)?,
                ),
                None => {
                    let start = parse_value(field, range, min, max, names)?;
                    // `a/s` runs from `a` to the end of the field.
                    (start, if step.is_some() { max } else { start })
                }
            },
        };
        let span = if start <= end {
            end - start
        } else {
            max - start + 1 + end - min
        };
        let step = step.unwrap_or(1);
        let mut offset = 0;
        while offset <= span {
            let value = (start - min + offset) % (max - min + 1) + min;
            mask |= 1u64 << value;
            offset += step;
        }
    }
    Ok(mask)
}

fn parse_step(field: &str, item: &str, step: &str, max: u8) -> Result<u8, ScheduleError> {
    match step.parse::<u8>() {
        Ok(step) if step >= 1 && step <= max.max(1) => Ok(step),
        _ => Err(ScheduleError::invalid(format!(
            "The {field} field has an invalid increment in {item:?}; use a whole number from 1 \
             to {max} after the /."
        ))),
    }
}

fn parse_value(
    field: &str,
    text: &str,
    min: u8,
    max: u8,
    names: &[&str],
) -> Result<u8, ScheduleError> {
    let upper = text.to_ascii_uppercase();
    if let Some(index) = names.iter().position(|name| *name == upper) {
        return Ok(min + index as u8);
    }
    match text.parse::<u8>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => {
            let named = if names.is_empty() {
                String::new()
            } else {
                format!(" or one of {}", names.join(", "))
            };
            Err(ScheduleError::invalid(format!(
                "The {field} field contains {text:?}; use a value from {min} to {max}{named}."
            )))
        }
    }
}
