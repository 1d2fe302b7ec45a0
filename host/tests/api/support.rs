//! An in-process server on 127.0.0.1 with an SDK client and a raw HTTP
//! client pointed at it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tumbler::api::{AllowAll, ApiServer, Authenticator, ServerOptions};
use tumbler::app::App;
use tumbler::auth::{AccessKeys, SigV4Authenticator};
use tumbler::secrets::SecretsService;
use tumbler::store::RotationStatus;

/// How long tests wait for a background rotation to settle.
const ROTATION_WAIT: Duration = Duration::from_secs(60);

pub struct TestServer {
    pub address: SocketAddr,
    pub client: Client,
    pub http: reqwest::Client,
    pub secrets: SecretsService,
    pub access_keys: AccessKeys,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _data_dir: TempDir,
}

/// A raw HTTP response.
pub struct RawResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl RawResponse {
    /// Parses the body as JSON (`Null` when empty).
    pub fn json(&self) -> serde_json::Value {
        if self.body.is_empty() {
            return serde_json::Value::Null;
        }
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("response body is not JSON ({error}): {}", self.body))
    }

    /// Returns the `__type` of an error body.
    pub fn error_type(&self) -> String {
        self.json()["__type"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl TestServer {
    /// Starts a server that runs rotations in the background.
    pub async fn start() -> Self {
        Self::start_with(ServerOptions::default(), None).await
    }

    /// Starts a server that begins rotations but never runs their steps, so
    /// a test can act as the rotator.
    pub async fn start_without_rotation_steps() -> Self {
        let options = ServerOptions {
            run_rotation_steps: false,
            ..ServerOptions::default()
        };
        Self::start_with(options, None).await
    }

    /// Starts a server that verifies SigV4 signatures against its access
    /// keys and also accepts the development key `test` / `test` as an
    /// administrator.
    pub async fn start_with_sigv4() -> Self {
        Self::start_inner(ServerOptions::default(), None, true).await
    }

    /// Starts a server with `tumbler.toml` set to `config`.
    pub async fn start_with(options: ServerOptions, config: Option<&str>) -> Self {
        Self::start_inner(options, config, false).await
    }

    async fn start_inner(options: ServerOptions, config: Option<&str>, sigv4: bool) -> Self {
        let data_dir = TempDir::new().expect("temporary data directory");
        if let Some(config) = config {
            std::fs::write(data_dir.path().join("tumbler.toml"), config)
                .expect("write tumbler.toml");
        }
        let app = App::open_with_store(data_dir.path(), tumbler::store::testing::test_store_url().as_deref())
            .await
            .expect("open the data directory");
        let engine = Arc::new(app.rotation_engine().expect("rotation engine"));
        let secrets = app.secrets.clone();
        let authenticator: Arc<dyn Authenticator> = if sigv4 {
            Arc::new(SigV4Authenticator::new(
                app.access_keys.clone(),
                &app.config.account,
                true,
            ))
        } else {
            Arc::new(AllowAll::new(&app.config.account))
        };
        let server = ApiServer::new(app.secrets.clone(), engine, authenticator, options);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let address = listener.local_addr().expect("local address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(listener, async move {
            let _ = signal.await;
        }));

        Self {
            address,
            client: sdk_client(address, "test", "test"),
            http: reqwest::Client::new(),
            secrets,
            access_keys: app.access_keys.clone(),
            shutdown: Some(shutdown),
            task: Some(task),
            _data_dir: data_dir,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.address)
    }

    /// Sends a raw AWS JSON 1.1 request for `operation`.
    pub async fn call(&self, operation: &str, body: &str) -> RawResponse {
        self.raw(
            self.http
                .post(self.url())
                .header("content-type", "application/x-amz-json-1.1")
                .header("x-amz-target", format!("secretsmanager.{operation}"))
                .body(body.to_owned()),
        )
        .await
    }

    /// Sends a prepared request and collects the response.
    pub async fn raw(&self, request: reqwest::RequestBuilder) -> RawResponse {
        let response = request.send().await.expect("send the request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("read the response body");
        RawResponse {
            status,
            headers,
            body,
        }
    }

    /// Waits until the latest rotation of `secret_id` is no longer in
    /// progress and returns its status.
    pub async fn wait_for_rotation(&self, secret_id: &str) -> RotationStatus {
        let deadline = tokio::time::Instant::now() + ROTATION_WAIT;
        loop {
            let progress = self
                .secrets
                .rotation_status(secret_id)
                .await
                .expect("rotation status");
            if let Some(progress) = progress
                && progress.status != RotationStatus::InProgress
            {
                return progress.status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "rotation of {secret_id} still running after {ROTATION_WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signals shutdown and waits for `serve` to return.
    pub async fn stop(mut self) {
        self.stop_inner().await;
    }

    async fn stop_inner(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("server stops within 60 s")
                .expect("server task did not panic");
            result.expect("serve returned an error");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Builds an SDK client with static credentials and plain-HTTP transport.
pub fn sdk_client(address: SocketAddr, access_key_id: &str, secret_access_key: &str) -> Client {
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
        .build();
    Client::from_conf(config)
}

/// Returns the AWS error type and message of a failed SDK call.
pub fn service_error<E, R>(
    result: Result<
        R,
        aws_sdk_secretsmanager::error::SdkError<
            E,
            aws_sdk_secretsmanager::config::http::HttpResponse,
        >,
    >,
) -> (String, String)
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match result {
        Ok(output) => panic!("expected an error, got {output:?}"),
        Err(error) => {
            let code = error.code().unwrap_or_default().to_owned();
            let message = error.message().unwrap_or_default().to_owned();
            assert!(!code.is_empty(), "error has an AWS type: {error:?}");
            (code, message)
        }
    }
}

/// Generates a 36-character client request token.
pub fn token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Creates a secret with a text value through the SDK and fails the test on
/// any error.
pub async fn create_text_secret(
    client: &Client,
    name: impl Into<String>,
    value: impl Into<String>,
) -> aws_sdk_secretsmanager::operation::create_secret::CreateSecretOutput {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .unwrap()
}

/// Returns DescribeSecret for `secret_id` and fails the test on any error.
pub async fn describe(
    client: &Client,
    secret_id: impl Into<String>,
) -> aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput {
    client
        .describe_secret()
        .secret_id(secret_id)
        .send()
        .await
        .unwrap()
}
