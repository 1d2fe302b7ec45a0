//! The axum server: routes, request framing, request ids, logging and
//! graceful shutdown.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use zeroize::Zeroizing;

use super::MAX_BODY_BYTES;
use super::auth_hook::Authenticator;
use super::context::RequestContext;
use super::dispatch::dispatch;
use super::error::ApiError;
use super::operation::Operation;
use super::protocol;
use crate::notify::Notifier;
use crate::rotation::RotationEngine;
use crate::secrets::SecretsService;

/// Response header that carries the request id, as AWS sends it.
const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// Settings of [`ApiServer`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Whether RotateSecret runs the rotation steps in the background after
    /// it responds. With `false` it only begins the rotation (the AWSPENDING
    /// placeholder exists and nothing runs), which lets a test play the
    /// rotator's part through the API.
    pub run_rotation_steps: bool,
    /// How long shutdown waits for in-flight requests, and then again for
    /// running rotations. A rotation cut off here keeps its progress and
    /// resumes when RotateSecret is called with its token.
    pub shutdown_grace: Duration,
    /// How often the server deletes secrets whose recovery window has ended.
    pub purge_interval: Duration,
    /// Receives the events of rotations that RotateSecret starts.
    pub notifier: Notifier,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            run_rotation_steps: true,
            shutdown_grace: Duration::from_secs(30),
            purge_interval: Duration::from_secs(60),
            notifier: Notifier::default(),
        }
    }
}

/// Deletes secrets whose recovery window has ended, every `interval`, until
/// `stopping` is cancelled. The first pass runs at start, so a window that
/// ended while the server was down is honoured at once.
async fn purge_expired_secrets(secrets: SecretsService, interval: Duration, stopping: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stopping.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match secrets.purge_expired().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "deleted secrets whose recovery window ended"),
            Err(error) => tracing::error!(%error, "purging secrets whose recovery window ended failed"),
        }
    }
}

/// State shared by all requests.
pub(crate) struct ServerState {
    pub secrets: SecretsService,
    pub rotation: Arc<RotationEngine>,
    pub authenticator: Arc<dyn Authenticator>,
    /// Rotations running in the background, awaited on shutdown.
    pub rotations: TaskTracker,
    pub options: ServerOptions,
}

/// The AWS Secrets Manager-compatible HTTP server.
pub struct ApiServer {
    state: Arc<ServerState>,
}

/// The id of one request, sent back in `x-amzn-RequestId`.
#[derive(Debug, Clone)]
struct RequestId(String);

impl ApiServer {
    pub fn new(
        secrets: SecretsService,
        rotation: Arc<RotationEngine>,
        authenticator: Arc<dyn Authenticator>,
        options: ServerOptions,
    ) -> Self {
        let state = ServerState {
            secrets,
            rotation,
            authenticator,
            rotations: TaskTracker::new(),
            options,
        };
        Self {
            state: Arc::new(state),
        }
    }

    /// Builds the routes: `POST /` for the API and `GET /healthz`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", post(handle_api))
            .route("/healthz", get(healthz))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(middleware::from_fn(add_request_id))
            .with_state(Arc::clone(&self.state))
    }

    /// Serves on `listener` until `shutdown` completes, then stops accepting
    /// connections, waits up to the grace period for in-flight requests and
    /// up to the grace period again for background rotations.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let grace = self.state.options.shutdown_grace;
        let stopping = CancellationToken::new();
        let signal = {
            let stopping = stopping.clone();
            async move {
                shutdown.await;
                tracing::info!("shutting down: no new connections, finishing requests");
                stopping.cancel();
            }
        };
        let purge = tokio::spawn(purge_expired_secrets(
            self.state.secrets.clone(),
            self.state.options.purge_interval,
            stopping.clone(),
        ));
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        let server = axum::serve(listener, app)
            .with_graceful_shutdown(signal)
            .into_future();
        let deadline = async move {
            stopping.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            result = server => result?,
            () = deadline => {
                tracing::warn!(
                    grace_secs = grace.as_secs(),
                    "requests still running after the grace period; closing their connections"
                );
            }
        }

        purge.abort();
        let rotations = &self.state.rotations;
        rotations.close();
        if !rotations.is_empty() {
            tracing::info!(
                running = rotations.len(),
                "waiting for background rotations"
            );
        }
        if tokio::time::timeout(grace, rotations.wait()).await.is_err() {
            tracing::warn!(
                running = rotations.len(),
                grace_secs = grace.as_secs(),
                "rotations still running after the grace period; they stop now and resume when \
                 RotateSecret is called with their token"
            );
        }
        tracing::info!("server stopped");
        Ok(())
    }
}

async fn add_request_id(mut request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

async fn healthz() -> Response {
    let mut response = Response::new(Body::from("{\"status\":\"ok\"}"));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        "Not found. The API answers POST / with an X-Amz-Target header; health is at GET /healthz.",
    )
    .into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "UnknownOperationException",
        "Method not allowed. The API answers POST / with an X-Amz-Target header.",
    )
    .into_response()
}

/// Handles `POST /`: frames, authenticates, dispatches and logs one call.
async fn handle_api(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    let started = Instant::now();
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let (mut parts, body) = request.into_parts();

    let mut operation = None;
    let mut principal = None;
    let result = async {
        let body = read_body(&parts, body).await?;
        protocol::check_content_type(&parts.headers)?;
        let op = protocol::operation(&parts.headers)?;
        operation = Some(op);
        // One reading for the request: the access key lookup and the reads
        // before the operation's first write all check the caches against it.
        let read_marker = state.secrets.change_marker();
        if let Some(marker) = read_marker {
            parts.extensions.insert(marker);
        }
        let caller = state.authenticator.authenticate(&parts, &body).await?;
        principal = Some(caller.principal_arn.clone());
        let context = RequestContext {
            read_marker,
            state: Arc::clone(&state),
            caller,
            peer,
        };
        dispatch(op, &context, &body).await
    }
    .await;

    let elapsed_ms = started.elapsed().as_millis() as u64;
    let operation = operation.map(Operation::name).unwrap_or("-");
    let principal = principal.as_deref().unwrap_or("-");
    match result {
        Ok(response) => {
            tracing::info!(
                request_id,
                operation,
                principal,
                status = 200,
                elapsed_ms,
                "request"
            );
            response
        }
        Err(error) => {
            let status = error.status.as_u16();
            if error.status.is_server_error() {
                tracing::error!(
                    request_id,
                    operation,
                    principal,
                    status,
                    error_type = %error.error_type,
                    message = %error.message,
                    elapsed_ms,
                    "request failed"
                );
            } else {
                tracing::info!(
                    request_id,
                    operation,
                    principal,
                    status,
                    error_type = %error.error_type,
                    elapsed_ms,
                    "request rejected"
                );
            }
            error.into_response()
        }
    }
}

/// Reads the whole body, rejecting bodies over [`MAX_BODY_BYTES`] before
/// reading them when `Content-Length` announces the size. The buffer is
/// wiped when dropped because it may hold a secret value.
async fn read_body(parts: &Parts, body: Body) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(body_too_large());
    }

    let mut buffer = Zeroizing::new(Vec::with_capacity(
        announced.unwrap_or(0).min(MAX_BODY_BYTES as u64) as usize,
    ));
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            ApiError::serialization(format!("The request body could not be read: {error}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if buffer.len() + data.len() > MAX_BODY_BYTES {
            return Err(body_too_large());
        }
        buffer.extend_from_slice(&data);
    }
    Ok(buffer)
}

fn body_too_large() -> ApiError {
    ApiError::validation(format!(
        "The request body is larger than {MAX_BODY_BYTES} bytes (1 MiB); a secret value is at \
         most 65,536 bytes."
    ))
}
