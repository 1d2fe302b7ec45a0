//! The server with the SigV4 authenticator: signatures are checked before
//! anything runs, and identity policies decide per action and secret.

use tumbler::auth::NewAccessKey;

use crate::support::{TestServer, create_text_secret, sdk_client, service_error};

#[tokio::test]
async fn signed_requests_pass_and_bad_signatures_fail() {
    let server = TestServer::start_with_sigv4().await;
    server
        .client
        .create_secret()
        .name("app/db")
        .secret_string("v1")
        .send()
        .await
        .expect("the development key is an administrator");

    let wrong_secret = sdk_client(server.address, "test", "not-the-secret");
    let (code, _) = service_error(wrong_secret.create_secret().name("other").send().await);
    assert_eq!(code, "InvalidSignatureException");

    let unknown_key = sdk_client(server.address, "AKIDUNKNOWN", "secret");
    let (code, _) = service_error(unknown_key.list_secrets().send().await);
    assert_eq!(code, "UnrecognizedClientException");

    let unsigned = server.call("ListSecrets", "{}").await;
    assert_eq!(unsigned.status, 403);
    assert_eq!(unsigned.error_type(), "MissingAuthenticationTokenException");

    let listed = server.client.list_secrets().send().await.unwrap();
    let names: Vec<_> = listed
        .secret_list()
        .iter()
        .map(|s| s.name().unwrap())
        .collect();
    assert_eq!(names, ["app/db"], "rejected requests created nothing");
}

#[tokio::test]
async fn identity_policy_limits_actions_and_secrets() {
    let server = TestServer::start_with_sigv4().await;
    let admin = &server.client;
    create_text_secret(&admin, "app/db", "v1").await;
    create_text_secret(&admin, "other/db", "v2").await;

    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue"],"Resource":"arn:aws:secretsmanager:*:*:secret:app/*"}]}"#;
    let created = server
        .access_keys
        .create(NewAccessKey {
            name: Some("reader".into()),
            policy: Some(policy.into()),
            ..NewAccessKey::default()
        })
        .await
        .expect("create an access key");
    let reader = sdk_client(
        server.address,
        &created.record.id,
        created.secret_access_key.as_str(),
    );

    let value = reader
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .expect("allowed read");
    assert_eq!(value.secret_string(), Some("v1"));

    let (code, _) = service_error(reader.get_secret_value().secret_id("other/db").send().await);
    assert_eq!(
        code, "AccessDeniedException",
        "secret outside the policy's resources"
    );

    let (code, _) = service_error(
        reader
            .put_secret_value()
            .secret_id("app/db")
            .secret_string("changed")
            .send()
            .await,
    );
    assert_eq!(code, "AccessDeniedException", "action outside the policy");
    let unchanged = admin
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(
        unchanged.secret_string(),
        Some("v1"),
        "the denied write changed nothing"
    );

    let (code, _) = service_error(reader.list_secrets().send().await);
    assert_eq!(code, "AccessDeniedException");
}

#[tokio::test]
async fn resource_policy_grants_access_to_a_key() {
    let server = TestServer::start_with_sigv4().await;
    let admin = &server.client;
    create_text_secret(&admin, "shared", "v1").await;
    let created = server
        .access_keys
        .create(NewAccessKey {
            name: Some("outsider".into()),
            ..NewAccessKey::default()
        })
        .await
        .expect("create an access key without a policy");
    let outsider = sdk_client(
        server.address,
        &created.record.id,
        created.secret_access_key.as_str(),
    );

    let (code, _) = service_error(outsider.get_secret_value().secret_id("shared").send().await);
    assert_eq!(
        code, "AccessDeniedException",
        "no policy grants the read yet"
    );

    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/outsider"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    admin
        .put_resource_policy()
        .secret_id("shared")
        .resource_policy(policy)
        .send()
        .await
        .expect("attach the resource policy");
    let value = outsider
        .get_secret_value()
        .secret_id("shared")
        .send()
        .await
        .expect("the resource policy allows the read");
    assert_eq!(value.secret_string(), Some("v1"));
}
