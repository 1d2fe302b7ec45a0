//! SigV4 authentication and policy evaluation through the real server without
//! dev mode, with requests signed by the AWS SDK for Rust (or by its signer,
//! for requests that the SDK would not send).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as SigningCredentials;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::retry::RetryConfig;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tumbler::api::{ApiServer, ServerOptions};
use tumbler::app::App;
use tumbler::auth::{AccessKeys, NewAccessKey, SigV4Authenticator};

use crate::support::{RawResponse, service_error};

const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the \
    signature you provided. Check your AWS Secret Access Key and signing method. Consult the \
    service documentation for details.";

/// A server that verifies signatures (dev mode off), with an administrator
/// client.
struct AuthServer {
    address: SocketAddr,
    keys: AccessKeys,
    admin: Client,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    _task: JoinHandle<std::io::Result<()>>,
    _data_dir: TempDir,
}

impl AuthServer {
    async fn start() -> Self {
        let data_dir = TempDir::new().expect("temporary data directory");
        let app = App::open_with_store(data_dir.path(), tumbler::store::testing::test_store_url().as_deref())
            .await
            .expect("open the data directory");
        let engine = Arc::new(app.rotation_engine().expect("rotation engine"));
        let keys = app.access_keys.clone();
        let authenticator = Arc::new(SigV4Authenticator::new(
            keys.clone(),
            &app.config.account,
            false,
        ));
        let server = ApiServer::new(
            app.secrets.clone(),
            engine,
            authenticator,
            ServerOptions::default(),
        );

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(listener, async move {
            let _ = signal.await;
        }));

        let admin_key = keys
            .create(NewAccessKey {
                name: Some("admin".into()),
                is_admin: true,
                ..NewAccessKey::default()
            })
            .await
            .expect("create the administrator key");
        let admin = client(address, &admin_key.record.id, &admin_key.secret_access_key);
        Self {
            address,
            keys,
            admin,
            http: reqwest::Client::new(),
            shutdown: Some(shutdown),
            _task: task,
            _data_dir: data_dir,
        }
    }

    /// Creates a key named `name` with an optional identity policy and returns
    /// its id and secret.
    async fn create_key(&self, name: &str, policy: Option<&str>) -> (String, String) {
        let created = self
            .keys
            .create(NewAccessKey {
                name: Some(name.to_owned()),
                policy: policy.map(str::to_owned),
                ..NewAccessKey::default()
            })
            .await
            .expect("create an access key");
        (
            created.record.id.clone(),
            created.secret_access_key.to_string(),
        )
    }

    /// Sends ListSecrets with `sent_body`, signed over `signed_body` at
    /// `signed_at` with the given key id and secret.
    async fn send_signed(
        &self,
        key: (&str, &str),
        signed_at: SystemTime,
        signed_body: &str,
        sent_body: &str,
    ) -> RawResponse {
        let url = format!("http://{}/", self.address);
        let host = self.address.to_string();
        let headers = [
            ("host", host.as_str()),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "secretsmanager.ListSecrets"),
        ];
        let identity = SigningCredentials::new(key.0, key.1, None, None, "tests").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("secretsmanager")
            .time(signed_at)
            .settings(SigningSettings::default())
            .build()
            .expect("signing parameters")
            .into();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.iter().copied(),
            SignableBody::Bytes(signed_body.as_bytes()),
        )
        .expect("signable request");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();

        let mut request = self.http.post(&url).body(sent_body.to_owned());
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("send the request");
        RawResponse {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("read the response body"),
        }
    }
}

impl Drop for AuthServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Builds an SDK client that signs with the given key and does not retry.
fn client(address: SocketAddr, access_key_id: &str, secret_access_key: &str) -> Client {
    let http_client = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key_id,
            secret_access_key,
            None,
            None,
            "tests",
        ))
        .endpoint_url(format!("http://{address}"))
        .http_client(http_client)
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

#[tokio::test]
async fn unsigned_request_is_rejected() {
    let server = AuthServer::start().await;
    let response = server
        .http
        .post(format!("http://{}/", server.address))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "secretsmanager.ListSecrets")
        .body("{}")
        .send()
        .await
        .expect("send the request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("read the response body");
    let body: serde_json::Value = serde_json::from_str(&text).expect("JSON error body");

    assert_eq!(status, 403);
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    assert_eq!(body["Message"], "Missing Authentication Token");
}

#[tokio::test]
async fn admin_key_is_accepted() {
    let server = AuthServer::start().await;
    let created = server
        .admin
        .create_secret()
        .name("app/db")
        .secret_string("v1")
        .send()
        .await;
    assert!(created.is_ok(), "{created:?}");
    let listed = server
        .admin
        .list_secrets()
        .send()
        .await
        .expect("ListSecrets");
    assert_eq!(listed.secret_list().len(), 1);
}

#[tokio::test]
async fn dev_credentials_are_rejected_without_dev_mode() {
    let server = AuthServer::start().await;
    let dev = client(server.address, "test", "test");

    let (code, _) = service_error(dev.list_secrets().send().await);
    assert_eq!(code, "UnrecognizedClientException");
}

#[tokio::test]
async fn wrong_secret_key_is_rejected() {
    let server = AuthServer::start().await;
    let (id, _) = server.create_key("app", None).await;
    let wrong = client(
        server.address,
        &id,
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    );

    let (code, message) = service_error(wrong.list_secrets().send().await);
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(message, SIGNATURE_MISMATCH);
}

#[tokio::test]
async fn unknown_key_is_rejected() {
    let server = AuthServer::start().await;
    let stranger = client(server.address, "TKIAUNKNOWNUNKNOWN00", "secret");

    let (code, message) = service_error(stranger.list_secrets().send().await);
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );
}

#[tokio::test]
async fn expired_timestamp_is_rejected() {
    let server = AuthServer::start().await;
    let (id, secret) = server.create_key("app", None).await;
    let twenty_minutes_ago = SystemTime::now() - Duration::from_secs(20 * 60);

    let response = server
        .send_signed((&id, &secret), twenty_minutes_ago, "{}", "{}")
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.error_type(), "InvalidSignatureException");
    let message = response.json()["Message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.starts_with("Signature expired: "), "{message}");
    assert!(message.ends_with(" - 15 min.)"), "{message}");
}

#[tokio::test]
async fn signature_over_other_body_is_rejected() {
    let server = AuthServer::start().await;
    let (id, secret) = server.create_key("app", None).await;
    let now = SystemTime::now();

    let signed_body = r#"{"MaxResults":1}"#;
    let response = server
        .send_signed((&id, &secret), now, signed_body, r#"{"MaxResults":2}"#)
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.error_type(), "InvalidSignatureException");
    assert_eq!(response.json()["Message"], SIGNATURE_MISMATCH);

    let matching = server
        .send_signed((&id, &secret), now, signed_body, signed_body)
        .await;
    assert_eq!(
        matching.error_type(),
        "AccessDeniedException",
        "the same key passes authentication when the body matches"
    );
}

#[tokio::test]
async fn deleted_key_is_rejected() {
    let server = AuthServer::start().await;
    let allow_list = r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"}]}"#;
    let (id, secret) = server.create_key("app", Some(allow_list)).await;
    let app = client(server.address, &id, &secret);
    assert!(
        app.list_secrets().send().await.is_ok(),
        "the key works before deletion"
    );

    server.keys.delete(&id).await.expect("delete the key");
    let (code, _) = service_error(app.list_secrets().send().await);
    assert_eq!(code, "UnrecognizedClientException");
}

#[tokio::test]
async fn prod_policy_allows_only_prod_reads() {
    let server = AuthServer::start().await;
    for name in ["prod/db", "dev/db"] {
        server
            .admin
            .create_secret()
            .name(name)
            .secret_string("v1")
            .send()
            .await
            .unwrap();
    }
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":"secretsmanager:GetSecretValue",
        "Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}]}"#;
    let (id, secret) = server.create_key("reader", Some(policy)).await;
    let reader = client(server.address, &id, &secret);

    let value = reader.get_secret_value().secret_id("prod/db").send().await;
    assert_eq!(value.expect("read prod/db").secret_string(), Some("v1"));

    let (code, message) = service_error(reader.get_secret_value().secret_id("dev/db").send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.starts_with(
            "User: arn:aws:iam::000000000000:user/reader is not authorized to perform: \
             secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:"
        ),
        "{message}"
    );
    assert!(
        message.ends_with(
            "because no identity-based policy allows the secretsmanager:GetSecretValue action"
        ),
        "{message}"
    );

    let put = reader
        .put_secret_value()
        .secret_id("prod/db")
        .secret_string("v2")
        .send()
        .await;
    let (code, _) = service_error(put);
    assert_eq!(code, "AccessDeniedException");
    let current = server
        .admin
        .get_secret_value()
        .secret_id("prod/db")
        .send()
        .await
        .unwrap();
    assert_eq!(
        current.secret_string(),
        Some("v1"),
        "the denied write changed nothing"
    );
}

#[tokio::test]
async fn resource_policy_deny_beats_identity_allow() {
    let server = AuthServer::start().await;
    server
        .admin
        .create_secret()
        .name("app/db")
        .secret_string("v1")
        .send()
        .await
        .unwrap();
    let allow_all =
        r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}]}"#;
    let (id, secret) = server.create_key("app", Some(allow_all)).await;
    let app = client(server.address, &id, &secret);
    assert!(
        app.get_secret_value()
            .secret_id("app/db")
            .send()
            .await
            .is_ok()
    );

    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny",
        "Principal":{"AWS":"arn:aws:iam::000000000000:user/app"},
        "Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    server
        .admin
        .put_resource_policy()
        .secret_id("app/db")
        .resource_policy(deny)
        .send()
        .await
        .expect("attach the resource policy");

    let (code, message) = service_error(app.get_secret_value().secret_id("app/db").send().await);
    assert_eq!(code, "AccessDeniedException");
    assert!(
        message.ends_with("with an explicit deny in a resource-based policy"),
        "{message}"
    );
    assert!(
        app.describe_secret()
            .secret_id("app/db")
            .send()
            .await
            .is_ok(),
        "actions the policy does not deny stay allowed"
    );
    assert!(
        server
            .admin
            .get_secret_value()
            .secret_id("app/db")
            .send()
            .await
            .is_ok(),
        "the deny names only the app user"
    );
}
