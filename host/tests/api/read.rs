//! GetSecretValue errors and BatchGetSecretValue.

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};

use crate::support::{TestServer, create_text_secret, service_error};

#[tokio::test]
async fn missing_stage_and_version_are_not_found() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", "v1").await;

    let (code, message) = service_error(
        client
            .get_secret_value()
            .secret_id("app/db")
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"
    );

    let unknown = "00000000-0000-0000-0000-000000000000";
    let (code, message) = service_error(
        client
            .get_secret_value()
            .secret_id("app/db")
            .version_id(unknown)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        format!("Secrets Manager can't find the specified secret value for VersionId: {unknown}")
    );

    let (code, message) = service_error(
        client
            .get_secret_value()
            .secret_id("app/db")
            .version_id(created.version_id().unwrap())
            .version_stage("AWSPENDING")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(
        message,
        "You provided a VersionStage that is not associated to the provided VersionId."
    );

    let (code, message) = service_error(client.get_secret_value().secret_id("nope").send().await);
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(message, "Secrets Manager can't find the specified secret.");
}

#[tokio::test]
async fn batch_get_by_ids_reports_missing_secrets() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "a", "value-a").await;
    create_text_secret(&client, "b", "value-b").await;

    let output = client
        .batch_get_secret_value()
        .secret_id_list("a")
        .secret_id_list("b")
        .secret_id_list("missing")
        .send()
        .await
        .expect("BatchGetSecretValue");
    let mut values: Vec<_> = output
        .secret_values()
        .iter()
        .map(|entry| (entry.name().unwrap(), entry.secret_string().unwrap()))
        .collect();
    values.sort();
    assert_eq!(values, [("a", "value-a"), ("b", "value-b")]);
    assert_eq!(output.errors().len(), 1);
    let error = &output.errors()[0];
    assert_eq!(error.secret_id(), Some("missing"));
    assert_eq!(error.error_code(), Some("ResourceNotFoundException"));
    assert_eq!(
        error.message(),
        Some("Secrets Manager can't find the specified secret.")
    );
}

#[tokio::test]
async fn batch_get_by_filters_pages() {
    let server = TestServer::start().await;
    let client = &server.client;
    for name in ["prod/a", "prod/b", "prod/c", "dev/a"] {
        client
            .create_secret()
            .name(name)
            .secret_string(format!("value of {name}"))
            .send()
            .await
            .unwrap();
    }

    let filter = Filter::builder()
        .key(FilterNameStringType::Name)
        .values("prod/")
        .build();
    let first = client
        .batch_get_secret_value()
        .filters(filter.clone())
        .max_results(2)
        .send()
        .await
        .expect("first page");
    assert_eq!(first.secret_values().len(), 2);

    let token = first.next_token().expect("NextToken after a full page");
    let second = client
        .batch_get_secret_value()
        .filters(filter)
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .expect("second page");
    assert_eq!(second.secret_values().len(), 1);
    assert_eq!(second.next_token(), None);

    let mut names: Vec<_> = first
        .secret_values()
        .iter()
        .chain(second.secret_values())
        .map(|entry| entry.name().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["prod/a", "prod/b", "prod/c"]);
}

#[tokio::test]
async fn batch_get_rejects_ids_with_filters() {
    let server = TestServer::start().await;
    let (code, message) = service_error(
        server
            .client
            .batch_get_secret_value()
            .secret_id_list("a")
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::Name)
                    .values("a")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Either 'SecretIdList' or 'Filters' must be provided, but not both."
    );
}

#[tokio::test]
async fn deleted_secret_value_is_invalid_request() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    client
        .delete_secret()
        .secret_id("app/db")
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap();
    let (code, _) = service_error(client.get_secret_value().secret_id("app/db").send().await);
    assert_eq!(code, "InvalidRequestException");
    let described = client
        .describe_secret()
        .secret_id("app/db")
        .send()
        .await
        .expect("describe");
    assert!(described.deleted_date().is_some());
}
