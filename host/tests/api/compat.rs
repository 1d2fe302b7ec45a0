//! Client-compatibility cases: partial ARNs and binary secrets.

use aws_sdk_secretsmanager::primitives::Blob;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::support::{TestServer, create_text_secret, service_error};

#[tokio::test]
async fn partial_arn_resolves() {
    let server = TestServer::start().await;
    let client = &server.client;
    let created = create_text_secret(&client, "app/db", "v1").await;
    let arn = created.arn().unwrap().to_owned();
    let partial = arn[..arn.len() - 7].to_owned();
    assert!(partial.ends_with(":secret:app/db"), "{partial}");

    for secret_id in ["app/db", arn.as_str(), partial.as_str()] {
        let value = client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .unwrap_or_else(|error| panic!("GetSecretValue({secret_id}): {error:?}"));
        assert_eq!(value.secret_string(), Some("v1"));
    }
    let wrong_suffix = format!("{partial}-ZzZ999");
    let (code, _) = service_error(
        client
            .get_secret_value()
            .secret_id(&wrong_suffix)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");

    create_text_secret(&client, "app-config", "c").await;
    let value = client
        .get_secret_value()
        .secret_id("app-config")
        .send()
        .await
        .unwrap();
    assert_eq!(
        value.secret_string(),
        Some("c"),
        "the plain name always resolves"
    );
}

#[tokio::test]
async fn binary_secret_round_trips_once_encoded() {
    let server = TestServer::start().await;
    let client = &server.client;
    let bytes: Vec<u8> = (0..=255).collect();
    client
        .create_secret()
        .name("app/bin")
        .secret_binary(Blob::new(bytes.clone()))
        .send()
        .await
        .expect("create a binary secret");

    let value = client
        .get_secret_value()
        .secret_id("app/bin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        value.secret_binary().map(|blob| blob.as_ref()),
        Some(bytes.as_slice())
    );
    assert_eq!(value.secret_string(), None);

    let raw = server
        .call("GetSecretValue", r#"{"SecretId":"app/bin"}"#)
        .await;
    let json = raw.json();
    assert_eq!(
        json["SecretBinary"],
        STANDARD.encode(&bytes),
        "single base64 encoding"
    );
    assert!(json.get("SecretString").is_none(), "no SecretString member");

    let put = server
        .call(
            "PutSecretValue",
            &format!(
                r#"{{"SecretId":"app/bin","ClientRequestToken":"{}","SecretBinary":"{}"}}"#,
                uuid::Uuid::new_v4(),
                STANDARD.encode(b"footest")
            ),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let value = client
        .get_secret_value()
        .secret_id("app/bin")
        .send()
        .await
        .unwrap();
    assert_eq!(
        value.secret_binary().map(|blob| blob.as_ref()),
        Some(&b"footest"[..])
    );

    let invalid = server
        .call(
            "PutSecretValue",
            &format!(
                r#"{{"SecretId":"app/bin","ClientRequestToken":"{}","SecretBinary":"not base64!"}}"#,
                uuid::Uuid::new_v4()
            ),
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.error_type(), "SerializationException");
}
