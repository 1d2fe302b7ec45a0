//! Resource policies.

use crate::support::{TestServer, create_text_secret, service_error};

const PUBLIC_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
const SCOPED_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

#[tokio::test]
async fn resource_policy_round_trip_and_public_block() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", "v1").await;

    let none = client
        .get_resource_policy()
        .secret_id("app/db")
        .send()
        .await
        .expect("get");
    assert_eq!(none.arn(), created.arn());
    assert_eq!(none.name(), Some("app/db"));
    assert_eq!(none.resource_policy(), None);
    let raw = server
        .call("GetResourcePolicy", r#"{"SecretId":"app/db"}"#)
        .await;
    assert!(
        raw.json().get("ResourcePolicy").is_none(),
        "no ResourcePolicy member: {}",
        raw.body
    );

    let (code, _) = service_error(
        client
            .put_resource_policy()
            .secret_id("app/db")
            .resource_policy(PUBLIC_POLICY)
            .block_public_policy(true)
            .send()
            .await,
    );
    assert_eq!(code, "PublicPolicyException");

    let (code, _) = service_error(
        client
            .put_resource_policy()
            .secret_id("app/db")
            .resource_policy("{not json")
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
    let still_none = client
        .get_resource_policy()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(
        still_none.resource_policy(),
        None,
        "rejected policies are not stored"
    );

    let put = client
        .put_resource_policy()
        .secret_id("app/db")
        .resource_policy(SCOPED_POLICY)
        .block_public_policy(true)
        .send()
        .await
        .expect("scoped policy");
    assert_eq!(put.arn(), created.arn());
    assert_eq!(put.name(), Some("app/db"));
    let stored = client
        .get_resource_policy()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(stored.resource_policy(), Some(SCOPED_POLICY));

    client
        .delete_resource_policy()
        .secret_id("app/db")
        .send()
        .await
        .expect("delete");
    let deleted = client
        .get_resource_policy()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.resource_policy(), None);
}

#[tokio::test]
async fn public_policy_is_stored_without_block() {
    let server = TestServer::start().await;
    let client = &server.client;
    client.create_secret().name("app/db").send().await.unwrap();
    client
        .put_resource_policy()
        .secret_id("app/db")
        .resource_policy(PUBLIC_POLICY)
        .send()
        .await
        .expect("BlockPublicPolicy defaults to false");
}

#[tokio::test]
async fn policy_on_missing_secret_is_not_found() {
    let server = TestServer::start().await;
    let client = &server.client;
    let (code, _) = service_error(
        client
            .get_resource_policy()
            .secret_id("missing")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = service_error(
        client
            .put_resource_policy()
            .secret_id("missing")
            .resource_policy(SCOPED_POLICY)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
    let (code, _) = service_error(
        client
            .delete_resource_policy()
            .secret_id("missing")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn validate_resource_policy_reports_findings() {
    let server = TestServer::start().await;
    let client = &server.client;
    let passed = client
        .validate_resource_policy()
        .resource_policy(SCOPED_POLICY)
        .send()
        .await
        .expect("validate a scoped policy");
    assert!(passed.policy_validation_passed());
    assert!(passed.validation_errors().is_empty());

    let public = client
        .validate_resource_policy()
        .resource_policy(PUBLIC_POLICY)
        .send()
        .await
        .expect("validate a public policy");
    assert!(!public.policy_validation_passed());
    assert_eq!(public.validation_errors().len(), 1);

    let grammar = client
        .validate_resource_policy()
        .resource_policy(r#"{"Statement":[{"Effect":"Sometimes"}]}"#)
        .send()
        .await
        .expect("validate a broken policy");
    assert!(!grammar.policy_validation_passed());
    assert!(!grammar.validation_errors().is_empty());

    let (code, _) = service_error(
        client
            .validate_resource_policy()
            .resource_policy("{not json")
            .send()
            .await,
    );
    assert_eq!(code, "MalformedPolicyDocumentException");
}
