//! RotationRules through RotateSecret, DescribeSecret and ListSecrets.

use aws_sdk_secretsmanager::types::RotationRulesType;
use time::OffsetDateTime;
use tumbler::schedule::RotationRules;

use crate::support::{TestServer, create_text_secret, describe, service_error};

fn cron_rules(expression: &str, duration: Option<&str>) -> RotationRulesType {
    let mut builder = RotationRulesType::builder().schedule_expression(expression);
    if let Some(duration) = duration {
        builder = builder.duration(duration);
    }
    builder.build()
}

fn to_time(date: &aws_sdk_secretsmanager::primitives::DateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(date.secs()).expect("date in range")
}

#[tokio::test]
async fn cron_rules_round_trip_with_duration() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    let before = OffsetDateTime::now_utc();

    let response = client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(cron_rules("cron(0 16 1,15 * ? *)", Some("2h")))
        .send()
        .await
        .expect("RotateImmediately defaults to true");
    let after = OffsetDateTime::now_utc();

    assert!(response.version_id().is_some(), "a rotation started now");
    let described = describe(client, "app/db").await;
    let rules = described.rotation_rules().expect("RotationRules");
    assert_eq!(rules.schedule_expression(), Some("cron(0 16 1,15 * ? *)"));
    assert_eq!(rules.duration(), Some("2h"));
    assert_eq!(rules.automatically_after_days(), None);
    assert_eq!(described.rotation_enabled(), Some(true));
    let next = to_time(described.next_rotation_date().expect("NextRotationDate"));
    let parsed = RotationRules::parse(None, Some("cron(0 16 1,15 * ? *)"), Some("2h")).unwrap();
    let expected = [parsed.next_start(before), parsed.next_start(after)];
    assert!(expected.contains(&Some(next)), "next {next} is one of {expected:?}");
}

#[tokio::test]
async fn days_rules_round_trip_in_list_secrets() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(RotationRulesType::builder().automatically_after_days(30).build())
        .rotate_immediately(false)
        .send()
        .await
        .expect("configure rotation");

    let listed = client.list_secrets().send().await.expect("ListSecrets");
    let entry = &listed.secret_list()[0];
    assert_eq!(entry.rotation_enabled(), Some(true));
    let rules = entry.rotation_rules().expect("RotationRules");
    assert_eq!(rules.automatically_after_days(), Some(30));
    let next = to_time(entry.next_rotation_date().expect("NextRotationDate"));
    let today = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
    assert_eq!(next, today + time::Duration::days(30));
}

#[tokio::test]
async fn mixed_rules_are_rejected_and_change_nothing() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(RotationRulesType::builder().automatically_after_days(30).build())
        .rotate_immediately(false)
        .send()
        .await
        .expect("configure rotation");
    let before = describe(client, "app/db").await;

    let (code, message) = service_error(
        client
            .rotate_secret()
            .secret_id("app/db")
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(30)
                    .schedule_expression("rate(10 days)")
                    .build(),
            )
            .rotate_immediately(false)
            .send()
            .await,
    );

    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "You cannot specify both rotation frequency and schedule expression together."
    );
    let after = describe(client, "app/db").await;
    assert_eq!(after.rotation_rules(), before.rotation_rules());
    assert_eq!(after.next_rotation_date(), before.next_rotation_date());
}

#[tokio::test]
async fn switch_from_days_to_cron() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(RotationRulesType::builder().automatically_after_days(30).build())
        .rotate_immediately(false)
        .send()
        .await
        .expect("configure rotation");

    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_rules(cron_rules("cron(0 2 ? * SUN *)", Some("3h")))
        .rotate_immediately(false)
        .send()
        .await
        .expect("switch to cron");

    let described = describe(client, "app/db").await;
    let rules = described.rotation_rules().expect("RotationRules");
    assert_eq!(rules.schedule_expression(), Some("cron(0 2 ? * SUN *)"));
    assert_eq!(rules.duration(), Some("3h"));
    assert_eq!(rules.automatically_after_days(), None);
    let next = to_time(described.next_rotation_date().expect("NextRotationDate"));
    assert_eq!(next.weekday(), time::Weekday::Sunday);
    assert_eq!(next.hour(), 2);
    let stages = described.version_ids_to_stages().expect("versions");
    assert_eq!(stages.len(), 1, "no rotation ran");
}

#[tokio::test]
async fn invalid_schedules_are_invalid_parameter() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    for (expression, duration) in [
        ("cron(15 10 * * ? *)", None),
        ("cron(0 10 * * ? 2027)", None),
        ("cron(0 10 1 * MON *)", None),
        ("cron(0 * * * ? *)", None),
        ("rate(3 hours)", None),
        ("rate(1000 days)", None),
        ("cron(0 22 * * ? *)", Some("3h")),
    ] {
        let (code, message) = service_error(
            client
                .rotate_secret()
                .secret_id("app/db")
                .rotation_lambda_arn("postgres")
                .rotation_rules(cron_rules(expression, duration))
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException", "{expression}");
        assert!(!message.is_empty(), "{expression} has a message");
    }
    let described = describe(client, "app/db").await;
    assert!(described.rotation_rules().is_none(), "nothing was stored");
    assert!(described.rotation_enabled().is_none(), "rotation was never configured");
}

#[tokio::test]
async fn malformed_duration_is_validation_exception() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    let (code, message) = service_error(
        client
            .rotate_secret()
            .secret_id("app/db")
            .rotation_lambda_arn("postgres")
            .rotation_rules(cron_rules("rate(10 days)", Some("2 hours")))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(message.contains("2 hours"), "{message}");
}

#[tokio::test]
async fn days_out_of_range_are_rejected() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(client, "app/db", "v1").await;
    let (code, message) = service_error(
        client
            .rotate_secret()
            .secret_id("app/db")
            .rotation_lambda_arn("postgres")
            .rotation_rules(RotationRulesType::builder().automatically_after_days(1001).build())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, "RotationRules.AutomaticallyAfterDays must be within 1-1000.");
}
