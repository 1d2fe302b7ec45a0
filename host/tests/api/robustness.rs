//! Malformed requests over raw HTTP: each gets an AWS-style error, never a
//! 500, and nothing is written.

use crate::support::{RawResponse, TestServer};

const JSON_TYPE: &str = "application/x-amz-json-1.1";

fn assert_client_error(response: &RawResponse, error_type: &str) {
    assert_eq!(response.status, 400, "status of {}", response.body);
    assert_eq!(response.error_type(), error_type, "body: {}", response.body);
    assert!(
        response.json()["Message"].is_string(),
        "Message member: {}",
        response.body
    );
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some(JSON_TYPE)
    );
    assert!(
        response.headers.contains_key("x-amzn-requestid"),
        "request id header"
    );
}

/// Checks that no secret exists, so a rejected request wrote nothing.
async fn assert_nothing_stored(server: &TestServer) {
    let listed = server.call("ListSecrets", "{}").await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json()["SecretList"],
        serde_json::json!([]),
        "no secret was created"
    );
}

#[tokio::test]
async fn malformed_json_is_serialization_error() {
    let server = TestServer::start().await;
    for body in [
        "{not json",
        "[1, 2]",
        r#"{"Name": "a"} trailing"#,
        "\"text\"",
    ] {
        let response = server.call("CreateSecret", body).await;
        assert_client_error(&response, "SerializationException");
    }
    assert_nothing_stored(&server).await;
}

#[tokio::test]
async fn wrong_member_types_are_serialization_errors() {
    let server = TestServer::start().await;
    let cases = [
        (
            "CreateSecret",
            r#"{"Name": 5, "ClientRequestToken": "00000000-0000-0000-0000-000000000001"}"#,
        ),
        ("ListSecrets", r#"{"MaxResults": "ten"}"#),
        (
            "DeleteSecret",
            r#"{"SecretId": "a", "ForceDeleteWithoutRecovery": "yes"}"#,
        ),
        ("TagResource", r#"{"SecretId": "a", "Tags": {"Key": "k"}}"#),
    ];
    for (operation, body) in cases {
        let response = server.call(operation, body).await;
        assert_client_error(&response, "SerializationException");
    }
    let secret_in_wrong_field = server
        .call(
            "GetRandomPassword",
            r#"{"PasswordLength": "hunter2-secret"}"#,
        )
        .await;
    assert_client_error(&secret_in_wrong_field, "SerializationException");
    assert!(
        !secret_in_wrong_field.body.contains("hunter2"),
        "string values are not echoed: {}",
        secret_in_wrong_field.body
    );
    assert_nothing_stored(&server).await;
}

#[tokio::test]
async fn unknown_member_is_rejected_by_name() {
    let server = TestServer::start().await;
    let response = server
        .call(
            "CreateSecret",
            r#"{"Name": "a", "ClientRequestToken": "00000000-0000-0000-0000-000000000001", "SecretStrng": "x"}"#,
        )
        .await;
    assert_client_error(&response, "SerializationException");
    assert!(response.body.contains("SecretStrng"), "{}", response.body);
    assert_nothing_stored(&server).await;
}

#[tokio::test]
async fn unknown_or_missing_target_is_unknown_operation() {
    let server = TestServer::start().await;
    let response = server.call("DropAllSecrets", "{}").await;
    assert_client_error(&response, "UnknownOperationException");

    let other_service = server
        .raw(
            server
                .http
                .post(server.url())
                .header("content-type", JSON_TYPE)
                .header("x-amz-target", "dynamodb.ListTables")
                .body("{}"),
        )
        .await;
    assert_client_error(&other_service, "UnknownOperationException");

    let missing = server
        .raw(
            server
                .http
                .post(server.url())
                .header("content-type", JSON_TYPE)
                .body("{}"),
        )
        .await;
    assert_client_error(&missing, "UnknownOperationException");
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_rejected() {
    let server = TestServer::start().await;
    let body = r#"{"Name": "a", "ClientRequestToken": "00000000-0000-0000-0000-000000000001"}"#;
    for content_type in [Some("text/plain"), Some("application/json"), None] {
        let mut request = server
            .http
            .post(server.url())
            .header("x-amz-target", "secretsmanager.CreateSecret")
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = server.raw(request).await;
        assert_client_error(&response, "SerializationException");
    }
    assert_nothing_stored(&server).await;

    let with_charset = server
        .raw(
            server
                .http
                .post(server.url())
                .header("content-type", "application/x-amz-json-1.1; charset=UTF-8")
                .header("x-amz-target", "secretsmanager.ListSecrets")
                .body("{}"),
        )
        .await;
    assert_eq!(with_charset.status, 200, "{}", with_charset.body);
}

#[tokio::test]
async fn oversize_body_is_rejected() {
    let server = TestServer::start().await;
    let value = "a".repeat(2 * 1024 * 1024);
    let body = format!(
        r#"{{"Name": "big", "ClientRequestToken": "00000000-0000-0000-0000-000000000001", "SecretString": "{value}"}}"#
    );
    let response = server.call("CreateSecret", &body).await;
    assert_client_error(&response, "ValidationException");

    let chunked = send_chunked(&server, body.as_bytes()).await;
    assert!(
        chunked.starts_with("HTTP/1.1 400"),
        "chunked oversize body: {chunked}"
    );
    assert!(chunked.contains("ValidationException"), "{chunked}");
    assert_nothing_stored(&server).await;
}

/// Sends `body` with `Transfer-Encoding: chunked` (no Content-Length) over
/// a plain TCP connection and returns the raw response text. The server may
/// respond before the whole body is sent, so write errors are ignored.
async fn send_chunked(server: &TestServer, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(server.address)
        .await
        .expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: {JSON_TYPE}\r\n\
         X-Amz-Target: secretsmanager.CreateSecret\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n",
        server.address
    );
    let _ = stream.write_all(head.as_bytes()).await;
    for chunk in body.chunks(64 * 1024) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await;
    assert!(read.is_ok(), "the server answers within 10 s");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn missing_token_is_rejected_before_lookup() {
    let server = TestServer::start().await;
    for (operation, body) in [
        (
            "CreateSecret",
            r#"{"Name": "app/db", "SecretString": "v1"}"#,
        ),
        (
            "PutSecretValue",
            r#"{"SecretId": "app/db", "SecretString": "v1"}"#,
        ),
        (
            "UpdateSecret",
            r#"{"SecretId": "app/db", "SecretString": "v1"}"#,
        ),
    ] {
        let response = server.call(operation, body).await;
        assert_client_error(&response, "InvalidRequestException");
        assert_eq!(
            response.json()["Message"],
            "You must provide a ClientRequestToken value. We recommend a UUID-type value."
        );
    }
    assert_nothing_stored(&server).await;
}

#[tokio::test]
async fn missing_required_member_is_validation_error() {
    let server = TestServer::start().await;
    let response = server.call("DescribeSecret", "{}").await;
    assert_client_error(&response, "ValidationException");
    assert!(response.body.contains("secretId"), "{}", response.body);
}

#[tokio::test]
async fn empty_body_reads_as_empty_input() {
    let server = TestServer::start().await;
    let response = server.call("ListSecrets", "").await;
    assert_eq!(response.status, 200, "{}", response.body);
    let response = server.call("GetRandomPassword", "").await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn every_response_has_a_request_id() {
    let server = TestServer::start().await;
    let ok = server.call("ListSecrets", "{}").await;
    let error = server
        .call("DescribeSecret", r#"{"SecretId":"missing"}"#)
        .await;
    assert_eq!(error.status, 400);
    assert_eq!(error.error_type(), "ResourceNotFoundException");
    let ok_id = ok
        .headers
        .get("x-amzn-requestid")
        .expect("request id on success");
    let error_id = error
        .headers
        .get("x-amzn-requestid")
        .expect("request id on error");
    assert_ne!(ok_id, error_id);

    let health = server
        .raw(
            server
                .http
                .get(format!("http://{}/healthz", server.address)),
        )
        .await;
    assert_eq!(health.status, 200);
    assert!(health.headers.contains_key("x-amzn-requestid"));

    let wrong_method = server.raw(server.http.get(server.url())).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.error_type(), "UnknownOperationException");
    let wrong_path = server
        .raw(server.http.post(format!("{}nowhere", server.url())))
        .await;
    assert_eq!(wrong_path.status, 404);
}

#[tokio::test]
async fn tag_resource_answers_empty_body() {
    let server = TestServer::start().await;
    server
        .client
        .create_secret()
        .name("app/db")
        .send()
        .await
        .unwrap();
    let response = server
        .call(
            "TagResource",
            r#"{"SecretId":"app/db","Tags":[{"Key":"k","Value":"v"}]}"#,
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, "");
    assert_eq!(
        response
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some(JSON_TYPE)
    );
}

#[tokio::test]
async fn replication_is_not_supported() {
    let server = TestServer::start().await;
    server
        .client
        .create_secret()
        .name("app/db")
        .send()
        .await
        .unwrap();
    let cases = [
        (
            "ReplicateSecretToRegions",
            r#"{"SecretId":"app/db","AddReplicaRegions":[{"Region":"eu-west-1"}]}"#,
        ),
        (
            "RemoveRegionsFromReplication",
            r#"{"SecretId":"app/db","RemoveReplicaRegions":["eu-west-1"]}"#,
        ),
        ("StopReplicationToReplica", r#"{"SecretId":"app/db"}"#),
    ];
    for (operation, body) in cases {
        let response = server.call(operation, body).await;
        assert_client_error(&response, "InvalidRequestException");
    }
    let missing = server
        .call("StopReplicationToReplica", r#"{"SecretId":"missing"}"#)
        .await;
    assert_client_error(&missing, "ResourceNotFoundException");

    let create = server
        .call(
            "CreateSecret",
            r#"{"Name":"replicated","ClientRequestToken":"00000000-0000-0000-0000-000000000001","AddReplicaRegions":[{"Region":"eu-west-1"}]}"#,
        )
        .await;
    assert_client_error(&create, "InvalidRequestException");
}
