//! The `read-secrets` rotation setting: a caller may grant a rotation read
//! access only to secrets the caller may read.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::ExternalSecretRotationMetadataItem;
use tumbler::auth::NewAccessKey;

use crate::support::{TestServer, create_text_secret, describe, sdk_client, service_error};

/// Allows rotating and describing `app/*` secrets.
const ROTATE_APP_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:RotateSecret","secretsmanager:DescribeSecret"],"Resource":"arn:aws:secretsmanager:*:*:secret:app/*"}]}"#;

/// [`ROTATE_APP_POLICY`] plus reading `admin/*` secrets.
const ROTATE_APP_READ_ADMIN_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:RotateSecret","secretsmanager:DescribeSecret"],"Resource":"arn:aws:secretsmanager:*:*:secret:app/*"},{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:admin/*"}]}"#;

async fn client_with_policy(server: &TestServer, name: &str, policy: &str) -> Client {
    let created = server
        .access_keys
        .create(NewAccessKey {
            name: Some(name.into()),
            policy: Some(policy.into()),
            ..NewAccessKey::default()
        })
        .await
        .expect("create an access key");
    sdk_client(
        server.address,
        &created.record.id,
        created.secret_access_key.as_str(),
    )
}

async fn configure_with_read_grant(
    client: &Client,
) -> Result<(), aws_sdk_secretsmanager::error::SdkError<
    aws_sdk_secretsmanager::operation::rotate_secret::RotateSecretError,
>> {
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres-alternating")
        .external_secret_rotation_metadata(
            ExternalSecretRotationMetadataItem::builder()
                .key("read-secrets")
                .value("admin/db")
                .build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .map(drop)
}

#[tokio::test]
async fn read_grant_without_get_secret_value_is_denied() {
    let server = TestServer::start_with_sigv4().await;
    create_text_secret(&server.client, "app/db", "v1").await;
    create_text_secret(&server.client, "admin/db", "v2").await;
    let rotator = client_with_policy(&server, "rotator", ROTATE_APP_POLICY).await;

    let (code, message) = service_error(configure_with_read_grant(&rotator).await);
    assert_eq!(code, "AccessDeniedException");
    assert!(message.contains("read-secrets"), "{message}");
    assert!(message.contains("admin/db"), "{message}");
    let described = describe(&server.client, "app/db").await;
    assert!(described.rotation_enabled().is_none(), "nothing stored");
}

#[tokio::test]
async fn read_grant_with_get_secret_value_is_stored() {
    let server = TestServer::start_with_sigv4().await;
    create_text_secret(&server.client, "app/db", "v1").await;
    create_text_secret(&server.client, "admin/db", "v2").await;
    let rotator = client_with_policy(&server, "rotator", ROTATE_APP_READ_ADMIN_POLICY).await;

    configure_with_read_grant(&rotator)
        .await
        .expect("the caller may read admin/db, so it may grant it");
    let described = describe(&server.client, "app/db").await;
    assert_eq!(described.rotation_enabled(), Some(true));
    assert_eq!(
        described.rotation_lambda_arn(),
        Some("postgres-alternating")
    );
}
