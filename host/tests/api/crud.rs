//! CreateSecret, PutSecretValue, UpdateSecret and DescribeSecret, with the
//! api-validation acceptance cases.

use aws_sdk_secretsmanager::types::Tag;

use crate::support::{TestServer, create_text_secret, service_error, token};

#[tokio::test]
async fn create_get_put_update_describe_round_trip() {
    let server = TestServer::start().await;
    let client = &server.client;

    let created = client
        .create_secret()
        .name("app/db")
        .secret_string("v1")
        .description("database login")
        .tags(Tag::builder().key("team").value("payments").build())
        .send()
        .await
        .expect("CreateSecret");
    let arn = created.arn().expect("ARN").to_owned();
    assert!(arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-"));
    assert_eq!(created.name(), Some("app/db"));
    let v1 = created
        .version_id()
        .expect("VersionId with a value")
        .to_owned();

    let value = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .expect("get");
    assert_eq!(value.secret_string(), Some("v1"));
    assert_eq!(value.version_id(), Some(v1.as_str()));
    assert_eq!(value.version_stages(), ["AWSCURRENT"]);
    assert_eq!(value.arn(), Some(arn.as_str()));
    assert!(value.created_date().is_some());

    let put = client
        .put_secret_value()
        .secret_id(&arn)
        .secret_string("v2")
        .send()
        .await
        .expect("PutSecretValue");
    let v2 = put.version_id().expect("VersionId").to_owned();
    assert_eq!(put.version_stages(), ["AWSCURRENT"]);

    let updated = client
        .update_secret()
        .secret_id("app/db")
        .description("new description")
        .send()
        .await
        .expect("UpdateSecret without a value");
    assert_eq!(updated.version_id(), None, "no version without a value");

    let updated = client
        .update_secret()
        .secret_id("app/db")
        .secret_string("v3")
        .send()
        .await
        .expect("UpdateSecret with a value");
    let v3 = updated.version_id().expect("VersionId").to_owned();

    let described = client
        .describe_secret()
        .secret_id("app/db")
        .send()
        .await
        .expect("describe");
    assert_eq!(described.description(), Some("new description"));
    assert_eq!(described.tags().len(), 1);
    assert_eq!(described.tags()[0].key(), Some("team"));
    let stages = described
        .version_ids_to_stages()
        .expect("VersionIdsToStages");
    assert_eq!(
        stages.get(&v3).map(Vec::as_slice),
        Some(&["AWSCURRENT".to_owned()][..])
    );
    assert_eq!(
        stages.get(&v2).map(Vec::as_slice),
        Some(&["AWSPREVIOUS".to_owned()][..])
    );
    assert!(!stages.contains_key(&v1), "v1 is deprecated");
    assert_eq!(
        described.rotation_enabled(),
        None,
        "never configured for rotation"
    );
    assert!(
        described.last_accessed_date().is_some(),
        "GetSecretValue set LastAccessedDate"
    );
}

#[tokio::test]
async fn create_without_value_has_no_version() {
    let server = TestServer::start().await;
    let created = server
        .client
        .create_secret()
        .name("empty")
        .send()
        .await
        .expect("create");
    assert_eq!(created.version_id(), None);
    let (code, message) = service_error(
        server
            .client
            .get_secret_value()
            .secret_id("empty")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
    );
}

#[tokio::test]
async fn create_same_token_replays_and_new_token_conflicts() {
    let server = TestServer::start().await;
    let client = &server.client;
    let t1 = token();
    let create = |request_token: String| {
        client
            .create_secret()
            .name("app/db")
            .secret_string("v1")
            .client_request_token(request_token)
            .send()
    };

    let first = create(t1.clone()).await.expect("first CreateSecret");
    assert_eq!(first.version_id(), Some(t1.as_str()));

    let replay = create(t1.clone()).await.expect("replayed CreateSecret");
    assert_eq!(replay.arn(), first.arn());
    assert_eq!(replay.version_id(), Some(t1.as_str()));
    let versions = client
        .list_secret_version_ids()
        .secret_id("app/db")
        .send()
        .await
        .expect("list versions");
    assert_eq!(versions.versions().len(), 1, "the replay added no version");

    let (code, message) = service_error(create(token()).await);
    assert_eq!(code, "ResourceExistsException");
    assert_eq!(
        message,
        "The operation failed because the secret app/db already exists."
    );
}

#[tokio::test]
async fn put_on_missing_secret_is_not_found() {
    let server = TestServer::start().await;
    let (code, message) = service_error(
        server
            .client
            .put_secret_value()
            .secret_id("does/not/exist")
            .secret_string("x")
            .client_request_token(token())
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, "Secrets Manager can't find the specified secret.");
    let listed = server.client.list_secrets().send().await.expect("list");
    assert!(listed.secret_list().is_empty(), "nothing was created");
}

#[tokio::test]
async fn oversized_value_is_validation_error() {
    let server = TestServer::start().await;
    let client = &server.client;
    client
        .create_secret()
        .name("app/db")
        .secret_string("v1")
        .send()
        .await
        .expect("create");

    client
        .put_secret_value()
        .secret_id("app/db")
        .secret_string("a".repeat(65_536))
        .client_request_token(token())
        .send()
        .await
        .expect("65,536 characters fit");

    let (code, message) = service_error(
        client
            .put_secret_value()
            .secret_id("app/db")
            .secret_string("a".repeat(65_537))
            .client_request_token(token())
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: \
         Member must have length less than or equal to 65536"
    );
    let versions = client
        .list_secret_version_ids()
        .secret_id("app/db")
        .include_deprecated(true)
        .send()
        .await
        .expect("list versions");
    assert_eq!(
        versions.versions().len(),
        2,
        "the rejected value created no version"
    );
}

#[tokio::test]
async fn invalid_name_is_validation_error() {
    let server = TestServer::start().await;
    let (code, message) =
        service_error(server.client.create_secret().name("bad name*").send().await);
    assert_eq!(code, "ValidationException");
    assert!(message.starts_with("Invalid name."), "{message}");
    let (code, _) = service_error(
        server
            .client
            .describe_secret()
            .secret_id("bad name")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
}

#[tokio::test]
async fn both_string_and_binary_are_rejected() {
    let server = TestServer::start().await;
    let (code, _) = service_error(
        server
            .client
            .create_secret()
            .name("both")
            .secret_string("text")
            .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(vec![1, 2]))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
}

#[tokio::test]
async fn put_without_value_is_invalid_request() {
    let server = TestServer::start().await;
    server
        .client
        .create_secret()
        .name("app/db")
        .send()
        .await
        .expect("create");
    let (code, message) = service_error(
        server
            .client
            .put_secret_value()
            .secret_id("app/db")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(
        message,
        "You must provide either SecretString or SecretBinary."
    );
}

#[tokio::test]
async fn put_with_stages_keeps_current() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", "v1").await;
    let put = client
        .put_secret_value()
        .secret_id("app/db")
        .secret_string("v2")
        .version_stages("AWSPENDING")
        .send()
        .await
        .expect("put pending");
    assert_eq!(put.version_stages(), ["AWSPENDING"]);
    let current = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(current.version_id(), created.version_id());
    let pending = client
        .get_secret_value()
        .secret_id("app/db")
        .version_stage("AWSPENDING")
        .send()
        .await
        .unwrap();
    assert_eq!(pending.secret_string(), Some("v2"));
}
