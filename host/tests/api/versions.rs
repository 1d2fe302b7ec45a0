//! Staging labels: UpdateSecretVersionStage and the versions/labels
//! acceptance cases around rotation placeholders.

use tumbler::store::RotationStatus;

use crate::support::{TestServer, create_text_secret, describe, service_error, token};

/// A PostgreSQL secret whose server is not on the rotator's allow-list, so
/// a rotation fails when it first connects.
const UNREACHABLE_DB: &str = r#"{"engine":"postgres","host":"127.0.0.1","port":1,"username":"app_user","password":"initial-Password-1","dbname":"postgres"}"#;

#[tokio::test]
async fn pending_placeholder_has_no_value() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    let t2 = token();
    let rotated = client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .client_request_token(&t2)
        .send()
        .await
        .expect("RotateSecret");
    assert_eq!(rotated.version_id(), Some(t2.as_str()));

    let (code, message) = service_error(
        client
            .get_secret_value()
            .secret_id("app/db")
            .version_stage("AWSPENDING")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING"
    );
    let (code, _) = service_error(
        client
            .get_secret_value()
            .secret_id("app/db")
            .version_id(&t2)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");

    let described = describe(&client, "app/db").await;
    let stages = described
        .version_ids_to_stages()
        .expect("VersionIdsToStages");
    assert_eq!(
        stages.get(&t2).map(Vec::as_slice),
        Some(&["AWSPENDING".to_owned()][..])
    );
}

#[tokio::test]
async fn failed_rotation_keeps_current_value() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", UNREACHABLE_DB).await;
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .send()
        .await
        .expect("RotateSecret responds before the steps run");
    let status = server.wait_for_rotation("app/db").await;
    assert_ne!(
        status,
        RotationStatus::Succeeded,
        "the server is not on the allow-list"
    );

    let value = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .expect("get");
    assert_eq!(value.secret_string(), Some(UNREACHABLE_DB));
    assert_eq!(value.version_id(), created.version_id());
    assert!(value.version_stages().iter().any(|s| s == "AWSCURRENT"));
}

#[tokio::test]
async fn empty_secret_first_rotation_promotes() {
    let server = TestServer::start_without_rotation_steps().await;
    let client = &server.client;
    client.create_secret().name("app/db").send().await.unwrap();
    let t1 = token();
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .client_request_token(&t1)
        .send()
        .await
        .expect("RotateSecret");

    // The test plays the rotator: createSecret puts the value under T1.
    client
        .put_secret_value()
        .secret_id("app/db")
        .client_request_token(&t1)
        .secret_string("first value")
        .version_stages("AWSPENDING")
        .send()
        .await
        .expect("fill the placeholder");
    client
        .update_secret_version_stage()
        .secret_id("app/db")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&t1)
        .send()
        .await
        .expect("finishSecret without RemoveFromVersionId");
    let value = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(value.secret_string(), Some("first value"));
    assert_eq!(value.version_id(), Some(t1.as_str()));
}

#[tokio::test]
async fn moving_current_requires_remove_from() {
    let server = TestServer::start().await;
    let client = &server.client;
    let v1 = create_text_secret(&client, "app/db", "v1").await;
    let v1 = v1.version_id().unwrap().to_owned();
    let v2 = client
        .put_secret_value()
        .secret_id("app/db")
        .secret_string("v2")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    let v2 = v2.version_id().unwrap().to_owned();

    let (code, message) = service_error(
        client
            .update_secret_version_stage()
            .secret_id("app/db")
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v2)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is \
             currently attached to version {v1}, so you must explicitly reference that version in \
             RemoveFromVersionId."
        )
    );

    let moved = client
        .update_secret_version_stage()
        .secret_id("app/db")
        .version_stage("AWSCURRENT")
        .move_to_version_id(&v2)
        .remove_from_version_id(&v1)
        .send()
        .await
        .expect("move AWSCURRENT");
    assert_eq!(moved.name(), Some("app/db"));
    let described = describe(&client, "app/db").await;
    let stages = described.version_ids_to_stages().unwrap();
    let mut on_v2 = stages[&v2].clone();
    on_v2.sort();
    assert_eq!(
        on_v2,
        ["AWSCURRENT", "AWSPENDING"],
        "AWSPENDING stays on the new current"
    );
    assert_eq!(stages[&v1], ["AWSPREVIOUS"]);
}
