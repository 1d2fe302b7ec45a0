//! TagResource and UntagResource.

use aws_sdk_secretsmanager::types::Tag;

use crate::support::{TestServer, describe, service_error};

#[tokio::test]
async fn tag_and_untag_round_trip() {
    let server = TestServer::start().await;
    let client = &server.client;
    client.create_secret().name("app/db").send().await.unwrap();

    client
        .tag_resource()
        .secret_id("app/db")
        .tags(Tag::builder().key("env").value("prod").build())
        .tags(Tag::builder().key("team").value("a").build())
        .send()
        .await
        .expect("TagResource");
    client
        .tag_resource()
        .secret_id("app/db")
        .tags(Tag::builder().key("team").value("b").build())
        .send()
        .await
        .expect("TagResource overwrites");
    let described = describe(&client, "app/db").await;
    let tags: Vec<_> = described
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(tags, [("env", "prod"), ("team", "b")]);

    client
        .untag_resource()
        .secret_id("app/db")
        .tag_keys("env")
        .tag_keys("team")
        .tag_keys("unknown")
        .send()
        .await
        .expect("UntagResource");
    let described = describe(&client, "app/db").await;
    assert!(described.tags().is_empty());
    // Tags: [] after all tags were removed, as AWS reports it.
    let raw = server
        .call("DescribeSecret", r#"{"SecretId":"app/db"}"#)
        .await;
    assert_eq!(raw.json()["Tags"], serde_json::json!([]));
}

#[tokio::test]
async fn tagging_a_deleted_secret_is_invalid_request() {
    let server = TestServer::start().await;
    let client = &server.client;
    client.create_secret().name("app/db").send().await.unwrap();
    client
        .delete_secret()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    let (code, message) = service_error(
        client
            .tag_resource()
            .secret_id("app/db")
            .tags(Tag::builder().key("k").value("v").build())
            .send()
            .await,
    );
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(
        message,
        "You can't perform this operation on the secret because it was marked for deletion."
    );
    let (code, _) = service_error(
        client
            .untag_resource()
            .secret_id("missing")
            .tag_keys("k")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}
