//! RotateSecret and CancelRotateSecret.

use aws_sdk_secretsmanager::types::{ExternalSecretRotationMetadataItem, RotationRulesType};
use tumbler::store::RotationStatus;

use crate::support::{TestServer, create_text_secret, describe, service_error, token};

#[tokio::test]
async fn unknown_rotator_changes_nothing() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", "v1").await;
    let (code, message) = service_error(
        client
            .rotate_secret()
            .secret_id("app/db")
            .rotation_lambda_arn("no-such-rotator")
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(10)
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert!(message.contains("no-such-rotator"), "{message}");

    let described = describe(&client, "app/db").await;
    assert_ne!(described.rotation_enabled(), Some(true));
    assert!(described.rotation_rules().is_none());
    assert!(described.rotation_lambda_arn().is_none());
    let stages = described.version_ids_to_stages().unwrap();
    assert_eq!(stages.len(), 1);
    assert_eq!(stages[created.version_id().unwrap()], ["AWSCURRENT"]);
}

#[tokio::test]
async fn rotate_without_configured_rotator_is_invalid_request() {
    let server = TestServer::start().await;
    server
        .client
        .create_secret()
        .name("app/other")
        .secret_string("v1")
        .send()
        .await
        .unwrap();
    let (code, message) = service_error(
        server
            .client
            .rotate_secret()
            .secret_id("app/other")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(
        message,
        "No Lambda rotation function ARN is associated with this secret."
    );
}

#[tokio::test]
async fn unfinished_rotation_blocks_new_ones() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    let first = client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(
            RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .send()
        .await
        .expect("first rotation");
    let pending = first.version_id().unwrap().to_owned();

    let (code, message) = service_error(client.rotate_secret().secret_id("app/db").send().await);
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(
        message,
        "A previous rotation isn't complete. That rotation will be reattempted."
    );

    let (code, _) = service_error(
        client
            .rotate_secret()
            .secret_id("app/db")
            .rotation_rules(
                RotationRulesType::builder()
                    .automatically_after_days(7)
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException");
    let described = describe(&client, "app/db").await;
    assert_eq!(
        described
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(30),
        "rules unchanged"
    );

    client
        .update_secret_version_stage()
        .secret_id("app/db")
        .version_stage("AWSPENDING")
        .remove_from_version_id(&pending)
        .send()
        .await
        .expect("remove the stale AWSPENDING");
    let again = client
        .rotate_secret()
        .secret_id("app/db")
        .send()
        .await
        .expect("rotation with the stored configuration");
    assert_ne!(again.version_id(), Some(pending.as_str()));
}

#[tokio::test]
async fn mixed_rules_are_rejected_and_cron_rules_stored() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", "v1").await;
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(
            RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .expect("configure rotation");

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
    let described = describe(&client, "app/db").await;
    assert_eq!(
        described
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(30)
    );

    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_rules(
            RotationRulesType::builder()
                .schedule_expression("cron(0 2 ? * SUN *)")
                .duration("3h")
                .build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .expect("switch to a cron schedule");
    let described = describe(&client, "app/db").await;
    let rules = described.rotation_rules().expect("RotationRules");
    assert_eq!(rules.schedule_expression(), Some("cron(0 2 ? * SUN *)"));
    assert_eq!(rules.duration(), Some("3h"));
    assert_eq!(rules.automatically_after_days(), None);
    assert_eq!(described.rotation_enabled(), Some(true));
    assert_eq!(described.rotation_lambda_arn(), Some("postgres"));
    let stages = described.version_ids_to_stages().unwrap();
    assert_eq!(stages.len(), 1, "no version was created");
    assert_eq!(stages[created.version_id().unwrap()], ["AWSCURRENT"]);
}

#[tokio::test]
async fn invalid_rules_are_rejected() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    let cases = [
        RotationRulesType::builder()
            .automatically_after_days(0)
            .build(),
        RotationRulesType::builder()
            .automatically_after_days(1001)
            .build(),
        RotationRulesType::builder()
            .schedule_expression("rate(1 hours)")
            .build(),
        RotationRules::cron_with_duration("25h"),
    ];
    for rules in cases {
        let (code, _) = service_error(
            client
                .rotate_secret()
                .secret_id("app/db")
                .rotation_lambda_arn("postgres")
                .rotation_rules(rules.clone())
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException", "{rules:?}");
    }
    let described = describe(&client, "app/db").await;
    assert!(described.rotation_enabled().is_none(), "nothing stored");
}

struct RotationRules;

impl RotationRules {
    fn cron_with_duration(duration: &str) -> RotationRulesType {
        RotationRulesType::builder()
            .schedule_expression("cron(0 1 * * ? *)")
            .duration(duration)
            .build()
    }
}

#[tokio::test]
async fn metadata_settings_are_validated() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    let (code, message) = service_error(
        client
            .rotate_secret()
            .secret_id("app/db")
            .rotation_lambda_arn("postgres")
            .external_secret_rotation_metadata(
                ExternalSecretRotationMetadataItem::builder()
                    .key("password-lenght")
                    .value("10")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("password-lenght"), "{message}");
    let described = describe(&client, "app/db").await;
    assert!(described.rotation_enabled().is_none(), "nothing stored");
}

#[tokio::test]
async fn http_api_without_urls_is_rejected() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(client, "app/api-key", "v1").await;
    let (code, message) = service_error(
        client
            .rotate_secret()
            .secret_id("app/api-key")
            .rotation_lambda_arn("http-api")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("mint-url"), "{message}");
    let described = describe(client, "app/api-key").await;
    assert!(described.rotation_enabled().is_none(), "nothing stored");
}

#[tokio::test]
async fn cancel_rotate_secret_disables_rotation() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    let (code, _) = service_error(
        client
            .cancel_rotate_secret()
            .secret_id("app/db")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException", "never configured");

    let t = token();
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .client_request_token(&t)
        .send()
        .await
        .unwrap();
    let cancelled = client
        .cancel_rotate_secret()
        .secret_id("app/db")
        .send()
        .await
        .expect("cancel");
    assert_eq!(cancelled.version_id(), Some(t.as_str()));
    let described = describe(&client, "app/db").await;
    assert_eq!(described.rotation_enabled(), Some(false));
    assert_eq!(
        described.rotation_lambda_arn(),
        Some("postgres"),
        "configuration kept"
    );
    let status = server
        .secrets
        .rotation_status("app/db")
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(status, RotationStatus::Abandoned);
}

#[tokio::test]
async fn raw_rotate_without_token_rejected() {
    let server = TestServer::start().await;
    let response = server
        .call("RotateSecret", r#"{"SecretId":"app/db"}"#)
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.error_type(), "InvalidParameterException");
    assert_eq!(
        response.json()["Message"],
        "You must provide a ClientRequestToken value. We recommend a UUID-type value."
    );
}
