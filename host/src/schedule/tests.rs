//! Schedule evaluation for every expression form Secrets Manager documents.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{RotationRules, ScheduleError};

fn utc(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("RFC 3339 date")
}

fn rules(expression: &str, duration: Option<&str>) -> RotationRules {
    RotationRules::parse(None, Some(expression), duration)
        .unwrap_or_else(|error| panic!("{expression} should be valid: {error}"))
}

/// Returns the first `count` window starts after `from`.
fn starts(expression: &str, from: OffsetDateTime, count: usize) -> Vec<OffsetDateTime> {
    let rules = rules(expression, None);
    let mut result = Vec::new();
    let mut at = from;
    for _ in 0..count {
        at = rules.next_start(at).expect("next start");
        result.push(at);
    }
    result
}

fn rejected(days: Option<i64>, expression: Option<&str>, duration: Option<&str>) -> ScheduleError {
    RotationRules::parse(days, expression, duration).expect_err("rules should be rejected")
}

#[test]
fn every_eight_hours_from_midnight() {
    let from = utc("2026-03-10T05:30:00Z");
    assert_eq!(
        starts("cron(0 /8 * * ? *)", from, 3),
        vec![
            utc("2026-03-10T08:00:00Z"),
            utc("2026-03-10T16:00:00Z"),
            utc("2026-03-11T00:00:00Z"),
        ]
    );
}

#[test]
fn hour_increments_reset_each_day() {
    let from = utc("2026-03-10T00:00:00Z");
    assert_eq!(
        starts("cron(0 8/8 * * ? *)", from, 3),
        vec![
            utc("2026-03-10T08:00:00Z"),
            utc("2026-03-10T16:00:00Z"),
            utc("2026-03-11T08:00:00Z"),
        ]
    );
    assert_eq!(
        starts("cron(0 2/10 * * ? *)", from, 4),
        vec![
            utc("2026-03-10T02:00:00Z"),
            utc("2026-03-10T12:00:00Z"),
            utc("2026-03-10T22:00:00Z"),
            utc("2026-03-11T02:00:00Z"),
        ]
    );
    assert_eq!(
        starts("cron(0 4/12 * * ? *)", from, 2),
        vec![utc("2026-03-10T04:00:00Z"), utc("2026-03-10T16:00:00Z")]
    );
}

#[test]
fn daily_at_ten() {
    let from = utc("2026-03-10T10:00:00Z");
    assert_eq!(starts("cron(0 10 * * ? *)", from, 1), vec![utc("2026-03-11T10:00:00Z")]);
}

#[test]
fn saturdays_at_six_pm() {
    // 2026-03-10 is a Tuesday.
    let from = utc("2026-03-10T00:00:00Z");
    assert_eq!(
        starts("cron(0 18 ? * SAT *)", from, 2),
        vec![utc("2026-03-14T18:00:00Z"), utc("2026-03-21T18:00:00Z")]
    );
}

#[test]
fn first_of_month_at_eight() {
    let from = utc("2026-01-15T00:00:00Z");
    assert_eq!(
        starts("cron(0 8 1 * ? *)", from, 2),
        vec![utc("2026-02-01T08:00:00Z"), utc("2026-03-01T08:00:00Z")]
    );
}

#[test]
fn first_sunday_of_every_third_month() {
    let from = utc("2026-01-01T00:00:00Z");
    assert_eq!(
        starts("cron(0 1 ? 1/3 SUN#1 *)", from, 3),
        vec![
            utc("2026-01-04T01:00:00Z"),
            utc("2026-04-05T01:00:00Z"),
            utc("2026-07-05T01:00:00Z"),
        ]
    );
}

#[test]
fn last_day_of_month_across_lengths() {
    let from = utc("2026-01-31T18:00:00Z");
    assert_eq!(
        starts("cron(0 17 L * ? *)", from, 4),
        vec![
            utc("2026-02-28T17:00:00Z"),
            utc("2026-03-31T17:00:00Z"),
            utc("2026-04-30T17:00:00Z"),
            utc("2026-05-31T17:00:00Z"),
        ]
    );
}

#[test]
fn last_day_of_february_in_leap_year() {
    let from = utc("2028-02-01T00:00:00Z");
    assert_eq!(starts("cron(0 17 L * ? *)", from, 1), vec![utc("2028-02-29T17:00:00Z")]);
}

#[test]
fn leap_day_schedule_waits_for_leap_year() {
    let from = utc("2025-03-01T00:00:00Z");
    assert_eq!(
        starts("cron(0 0 29 FEB ? *)", from, 2),
        vec![utc("2028-02-29T00:00:00Z"), utc("2032-02-29T00:00:00Z")]
    );
}

#[test]
fn weekdays_skip_the_weekend() {
    // 2026-03-13 is a Friday.
    let from = utc("2026-03-13T09:00:00Z");
    assert_eq!(
        starts("cron(0 8 ? * MON-FRI *)", from, 2),
        vec![utc("2026-03-16T08:00:00Z"), utc("2026-03-17T08:00:00Z")]
    );
}

#[test]
fn first_and_fifteenth_at_four_pm() {
    let from = utc("2026-03-01T16:00:00Z");
    assert_eq!(
        starts("cron(0 16 1,15 * ? *)", from, 2),
        vec![utc("2026-03-15T16:00:00Z"), utc("2026-04-01T16:00:00Z")]
    );
}

#[test]
fn first_sunday_at_midnight() {
    let from = utc("2026-03-02T00:00:00Z");
    assert_eq!(starts("cron(0 0 ? * SUN#1 *)", from, 1), vec![utc("2026-04-05T00:00:00Z")]);
}

#[test]
fn third_tuesday_by_number_and_name() {
    let from = utc("2026-03-01T00:00:00Z");
    let by_name = starts("cron(0 6 ? * TUE#3 *)", from, 1);
    assert_eq!(by_name, vec![utc("2026-03-17T06:00:00Z")]);
    assert_eq!(starts("cron(0 6 ? * 3#3 *)", from, 1), by_name);
}

#[test]
fn last_sunday_in_both_day_fields() {
    let from = utc("2026-03-01T00:00:00Z");
    assert_eq!(starts("cron(0 3 ? * SUNL *)", from, 1), vec![utc("2026-03-29T03:00:00Z")]);
    assert_eq!(starts("cron(0 3 SUNL * ? *)", from, 1), vec![utc("2026-03-29T03:00:00Z")]);
    assert_eq!(starts("cron(0 3 ? * 1L *)", from, 1), vec![utc("2026-03-29T03:00:00Z")]);
}

#[test]
fn day_of_week_l_is_saturday() {
    let from = utc("2026-03-10T00:00:00Z");
    assert_eq!(starts("cron(0 5 ? * L *)", from, 1), vec![utc("2026-03-14T05:00:00Z")]);
}

#[test]
fn nearest_weekday_stays_in_month() {
    // 2026-08-01 is a Saturday, so 1W moves forward to Monday the 3rd.
    let from = utc("2026-07-31T00:00:00Z");
    assert_eq!(starts("cron(0 9 1W * ? *)", from, 1), vec![utc("2026-08-03T09:00:00Z")]);
    // 2026-03-15 is a Sunday, so 15W is Monday the 16th.
    let from = utc("2026-03-01T00:00:00Z");
    assert_eq!(starts("cron(0 9 15W * ? *)", from, 1), vec![utc("2026-03-16T09:00:00Z")]);
    // 2026-05-31 is a Sunday, so 31W moves back to Friday the 29th.
    let from = utc("2026-05-01T00:00:00Z");
    assert_eq!(starts("cron(0 9 31W * ? *)", from, 1), vec![utc("2026-05-29T09:00:00Z")]);
}

#[test]
fn last_weekday_of_month() {
    // 2026-05-31 is a Sunday.
    let from = utc("2026-05-01T00:00:00Z");
    assert_eq!(starts("cron(0 9 LW * ? *)", from, 1), vec![utc("2026-05-29T09:00:00Z")]);
}

#[test]
fn month_names_lists_and_steps() {
    let from = utc("2025-12-31T12:00:00Z");
    assert_eq!(
        starts("cron(0 0 1 JAN,JUL ? *)", from, 2),
        vec![utc("2026-01-01T00:00:00Z"), utc("2026-07-01T00:00:00Z")]
    );
    assert_eq!(
        starts("cron(0 0 1 */6 ? *)", from, 2),
        vec![utc("2026-01-01T00:00:00Z"), utc("2026-07-01T00:00:00Z")]
    );
    assert_eq!(
        starts("cron(0 0 1 2-3 ? *)", from, 2),
        vec![utc("2026-02-01T00:00:00Z"), utc("2026-03-01T00:00:00Z")]
    );
}

#[test]
fn day_of_week_range_wraps_around() {
    // FRI-MON is Friday, Saturday, Sunday and Monday. 2026-03-10 is a Tuesday.
    let from = utc("2026-03-10T00:00:00Z");
    assert_eq!(
        starts("cron(0 0 ? * FRI-MON *)", from, 4),
        vec![
            utc("2026-03-13T00:00:00Z"),
            utc("2026-03-14T00:00:00Z"),
            utc("2026-03-15T00:00:00Z"),
            utc("2026-03-16T00:00:00Z"),
        ]
    );
}

#[test]
fn evaluation_ignores_daylight_saving_changes() {
    // The United States moved clocks forward on 2026-03-08 and Europe on
    // 2026-03-29; the UTC schedule stays at 02:00Z on every day around both.
    let rules = rules("cron(0 2 * * ? *)", Some("1h"));
    for (from, expected) in [
        (utc("2026-03-07T03:00:00Z"), utc("2026-03-08T02:00:00Z")),
        (utc("2026-03-08T03:00:00Z"), utc("2026-03-09T02:00:00Z")),
        (utc("2026-03-28T03:00:00Z"), utc("2026-03-29T02:00:00Z")),
        (utc("2026-03-29T03:00:00Z"), utc("2026-03-30T02:00:00Z")),
        (utc("2026-10-25T01:00:00Z"), utc("2026-10-25T02:00:00Z")),
    ] {
        assert_eq!(rules.next_start(from), Some(expected), "after {from}");
    }
}

#[test]
fn evaluation_uses_utc_for_offset_input() {
    let rules = rules("cron(0 2 * * ? *)", None);
    let local = OffsetDateTime::parse("2026-03-07T20:00:00-05:00", &Rfc3339).expect("date");
    assert_eq!(rules.next_start(local), Some(utc("2026-03-08T02:00:00Z")));
}

#[test]
fn rate_days_start_at_midnight() {
    let from = utc("2026-03-10T15:45:00Z");
    assert_eq!(starts("rate(10 days)", from, 1), vec![utc("2026-03-20T00:00:00Z")]);
    assert_eq!(starts("rate(1 day)", from, 1), vec![utc("2026-03-11T00:00:00Z")]);
}

#[test]
fn rate_hours_start_on_the_hour() {
    let from = utc("2026-03-10T15:45:00Z");
    assert_eq!(starts("rate(4 hours)", from, 1), vec![utc("2026-03-10T19:00:00Z")]);
}

#[test]
fn after_days_counts_from_the_day() {
    let rules = RotationRules::parse(Some(30), None, None).expect("valid");
    assert_eq!(
        rules.next_start(utc("2026-01-31T23:10:00Z")),
        Some(utc("2026-03-02T00:00:00Z"))
    );
}

#[test]
fn default_windows_by_schedule_kind() {
    let day = rules("rate(2 days)", None).window_at(utc("2026-03-10T00:00:00Z"));
    assert_eq!(day.end, utc("2026-03-11T00:00:00Z"));
    let hours = rules("rate(6 hours)", None).window_at(utc("2026-03-10T06:00:00Z"));
    assert_eq!(hours.end, utc("2026-03-10T07:00:00Z"));
    let daily_cron = rules("cron(0 10 * * ? *)", None).window_at(utc("2026-03-10T10:00:00Z"));
    assert_eq!(daily_cron.end, utc("2026-03-11T00:00:00Z"));
    let hourly_cron = rules("cron(0 /8 * * ? *)", None).window_at(utc("2026-03-10T08:00:00Z"));
    assert_eq!(hourly_cron.end, utc("2026-03-10T09:00:00Z"));
}

#[test]
fn window_boundaries_are_half_open() {
    let window = rules("cron(0 1 * * ? *)", Some("2h")).window_at(utc("2026-03-10T01:00:00Z"));
    assert!(window.contains(utc("2026-03-10T01:00:00Z")));
    assert!(window.contains(utc("2026-03-10T02:59:59Z")));
    assert!(!window.contains(utc("2026-03-10T03:00:00Z")));
    assert!(!window.contains(utc("2026-03-10T00:59:59Z")));
}

#[test]
fn next_open_window_skips_missed_windows() {
    let rules = rules("cron(0 1 * * ? *)", Some("2h"));
    let window = rules
        .next_open_window(utc("2026-03-01T01:00:00Z"), utc("2026-03-05T02:00:00Z"))
        .expect("window");
    assert_eq!(window.start, utc("2026-03-05T01:00:00Z"));
}

#[test]
fn cron_forms_that_aws_rejects() {
    for expression in [
        "cron(15 10 * * ? *)",
        "cron(0 10 * * ? 2027)",
        "cron(0 10 1 * MON *)",
        "cron(0 10 ? * ? *)",
        "cron(0 2 * *)",
        "cron(0 24 * * ? *)",
        "cron(0 * * * ? *)",
        "cron(0 0,2 * * ? *)",
        "cron(0 0 30 FEB ? *)",
        "cron(0 0 ? * MON#6 *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 ? * FUN *)",
        "cron(0 0/0 * * ? *)",
    ] {
        let error = rejected(None, Some(expression), None);
        assert_eq!(error.aws_type(), "InvalidParameterException", "{expression}");
    }
}

#[test]
fn rate_forms_that_aws_rejects() {
    for expression in ["rate(3 hours)", "rate(0 days)", "rate(1000 days)", "rate(ten days)", "rate(5 minutes)", "every day"] {
        let error = rejected(None, Some(expression), None);
        assert_eq!(error.aws_type(), "InvalidParameterException", "{expression}");
    }
}

#[test]
fn pattern_violations_are_validation_errors() {
    let error = rejected(None, Some("cron(0 10 * * ? *);"), None);
    assert_eq!(error.aws_type(), "ValidationException");
    let error = rejected(None, Some(""), None);
    assert_eq!(error.aws_type(), "ValidationException");
    let error = rejected(Some(1), None, Some("3 hours"));
    assert_eq!(error.aws_type(), "ValidationException");
}

#[test]
fn days_and_expression_are_exclusive() {
    let error = rejected(Some(30), Some("rate(10 days)"), None);
    assert_eq!(
        error.to_string(),
        "You cannot specify both rotation frequency and schedule expression together."
    );
}

#[test]
fn days_out_of_range_are_rejected() {
    for days in [0, 1001, -1] {
        let error = rejected(Some(days), None, None);
        assert_eq!(error.to_string(), "RotationRules.AutomaticallyAfterDays must be within 1-1000.");
    }
}

#[test]
fn durations_that_overlap_are_rejected() {
    for (expression, duration) in [
        ("rate(4 hours)", "5h"),
        ("cron(0 /8 * * ? *)", "9h"),
        ("cron(0 22 * * ? *)", "3h"),
        ("rate(1 day)", "25h"),
        ("rate(1 day)", "0h"),
    ] {
        let error = rejected(None, Some(expression), Some(duration));
        assert_eq!(error.aws_type(), "InvalidParameterException", "{expression} {duration}");
    }
}

#[test]
fn durations_that_fit_are_accepted() {
    for (expression, duration) in [
        ("rate(4 hours)", "4h"),
        ("cron(0 /8 * * ? *)", "8h"),
        ("cron(0 21 * * ? *)", "3h"),
        ("cron(0 0 * * ? *)", "24h"),
    ] {
        let parsed = RotationRules::parse(None, Some(expression), Some(duration));
        assert!(parsed.is_ok(), "{expression} {duration}: {parsed:?}");
    }
}

#[test]
fn rules_round_trip_through_json() {
    let rules = rules("cron(0 2 ? * SUN *)", Some("3h"));
    let json = rules.to_json();
    assert_eq!(json, r#"{"Duration":"3h","ScheduleExpression":"cron(0 2 ? * SUN *)"}"#);
    assert_eq!(RotationRules::from_json(&json).expect("stored rules"), rules);
    let days = RotationRules::parse(Some(30), None, None).expect("valid");
    assert_eq!(days.to_json(), r#"{"AutomaticallyAfterDays":30}"#);
}
