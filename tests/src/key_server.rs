//! A key-issuing HTTP server that plays the API provider in rotation
//! tests of the `http-api` rotator.
//!
//! It listens on 127.0.0.1 with an ephemeral port, on its own thread and
//! runtime, so tests may block their own thread on the `tumbler` binary
//! while the server responds. Endpoints:
//!
//! | request | response |
//! | --- | --- |
//! | `POST /keys` with `Authorization: Bearer ADMIN` | `201 {"key": {"id", "secret"}}`; `429` when two keys are live; `401` for a wrong admin key |
//! | `GET /whoami` with `Authorization: Bearer KEY` | `200` for an active key; `401` for an unknown, revoked or not yet active key |
//! | `DELETE /keys/{id}` with the admin key | `204`; `404` for an unknown or already revoked id |
//! | `GET /big` | `200` with a body of [`BIG_BODY_BYTES`] |
//!
//! A new key becomes active after a configurable number of rejected test
//! calls, which is how providers that activate keys with a delay look to a
//! rotator. The server records every call for assertions.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use tokio::sync::oneshot;

/// Providers such as AWS IAM allow two access keys per user.
pub const MAX_LIVE_KEYS: usize = 2;

/// Size of the `GET /big` body, above the host's default response cap of 1 MiB.
pub const BIG_BODY_BYTES: usize = 2 << 20;

/// One call the server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
}

/// A key the server issued.
#[derive(Clone, Debug)]
pub struct IssuedKey {
    pub id: String,
    pub secret: String,
    pub revoked: bool,
    /// Test calls made with this key so far.
    pub test_calls: u32,
}

#[derive(Debug, Default)]
struct Provider {
    admin_key: String,
    /// Test calls that a new key fails with 401 before it becomes active.
    rejections_before_active: u32,
    /// When set, every endpoint returns 503.
    down: bool,
    keys: Vec<IssuedKey>,
    calls: Vec<Call>,
    next_id: u32,
    max_live_seen: usize,
}

impl Provider {
    fn live_count(&self) -> usize {
        self.keys.iter().filter(|key| !key.revoked).count()
    }

    fn is_admin(&self, headers: &HeaderMap) -> bool {
        bearer(headers).is_some_and(|token| token == self.admin_key)
    }
}

type Shared = Arc<Mutex<Provider>>;

/// A running key server. Dropping it stops the server.
pub struct KeyServer {
    address: SocketAddr,
    provider: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl KeyServer {
    /// Starts a server whose admin credential is `admin_key`. Keys it
    /// mints are already active at their first test call.
    pub fn start(admin_key: &str) -> Self {
        let provider = Arc::new(Mutex::new(Provider {
            admin_key: admin_key.to_string(),
            ..Provider::default()
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("set the listener non-blocking");
        let address = listener.local_addr().expect("listener address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let router = router(Arc::clone(&provider));
        let thread = std::thread::Builder::new()
            .name("key-server".to_string())
            .spawn(move || serve(listener, router, stopped))
            .expect("start the key server thread");
        Self {
            address,
            provider,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// Base URL such as `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns the allow-list entry for this server.
    pub fn allow_host(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Makes every new key fail with 401 on its first `count` test calls.
    pub fn set_rejections_before_active(&self, count: u32) {
        self.lock().rejections_before_active = count;
    }

    /// Makes every endpoint answer 503 while `down` is true.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// Adds a key as if it had been minted earlier, for the secret's
    /// starting value. Returns its id.
    pub fn seed_key(&self, secret: &str) -> String {
        let mut provider = self.lock();
        provider.next_id += 1;
        let id = format!("key-{}", provider.next_id);
        provider.keys.push(IssuedKey {
            id: id.clone(),
            secret: secret.to_string(),
            revoked: false,
            test_calls: u32::MAX,
        });
        provider.max_live_seen = provider.max_live_seen.max(provider.live_count());
        id
    }

    pub fn keys(&self) -> Vec<IssuedKey> {
        self.lock().keys.clone()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Ids of keys that are not revoked, in minting order.
    pub fn live_key_ids(&self) -> Vec<String> {
        self.lock()
            .keys
            .iter()
            .filter(|key| !key.revoked)
            .map(|key| key.id.clone())
            .collect()
    }

    /// Returns the largest number of live keys at any moment so far.
    pub fn max_live_seen(&self) -> usize {
        self.lock().max_live_seen
    }

    /// Returns whether `id` was issued and later revoked.
    pub fn is_revoked(&self, id: &str) -> bool {
        self.lock().keys.iter().any(|key| key.id == id && key.revoked)
    }

    /// Returns whether the provider accepts `secret` now, without counting
    /// a test call.
    pub fn accepts(&self, secret: &str) -> bool {
        let provider = self.lock();
        provider.keys.iter().any(|key| {
            key.secret == secret && !key.revoked && key.test_calls >= provider.rejections_before_active
        })
    }

    fn lock(&self) -> MutexGuard<'_, Provider> {
        self.provider.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for KeyServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: std::net::TcpListener, router: Router, stopped: oneshot::Receiver<()>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build the key server runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("register the listener");
        let server = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(error) = server.await {
            eprintln!("key server failed: {error}");
        }
    });
}

fn router(provider: Shared) -> Router {
    Router::new()
        .route("/keys", post(mint))
        .route("/keys/{id}", delete(revoke))
        .route("/whoami", get(whoami))
        .route("/big", get(big))
        .with_state(provider)
}

fn lock(provider: &Shared) -> MutexGuard<'_, Provider> {
    provider.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn record(provider: &mut Provider, method: &'static str, path: String, status: StatusCode) -> StatusCode {
    provider.calls.push(Call {
        method,
        path,
        status: status.as_u16(),
    });
    status
}

async fn mint(State(provider): State<Shared>, headers: HeaderMap) -> Response {
    let mut provider = lock(&provider);
    let path = "/keys".to_string();
    if provider.down {
        return record(&mut provider, "POST", path, StatusCode::SERVICE_UNAVAILABLE).into_response();
    }
    if !provider.is_admin(&headers) {
        return record(&mut provider, "POST", path, StatusCode::UNAUTHORIZED).into_response();
    }
    if provider.live_count() >= MAX_LIVE_KEYS {
        let status = record(&mut provider, "POST", path, StatusCode::TOO_MANY_REQUESTS);
        let body = serde_json::json!({"error": "LimitExceeded: at most 2 live keys"});
        return (status, axum::Json(body)).into_response();
    }
    provider.next_id += 1;
    let id = format!("key-{}", provider.next_id);
    let secret = format!("sk-{}", uuid::Uuid::new_v4().simple());
    provider.keys.push(IssuedKey {
        id: id.clone(),
        secret: secret.clone(),
        revoked: false,
        test_calls: 0,
    });
    provider.max_live_seen = provider.max_live_seen.max(provider.live_count());
    let status = record(&mut provider, "POST", path, StatusCode::CREATED);
    let body = serde_json::json!({"key": {"id": id, "secret": secret}, "created": true});
    (status, axum::Json(body)).into_response()
}

async fn revoke(State(provider): State<Shared>, Path(id): Path<String>, headers: HeaderMap) -> StatusCode {
    let mut provider = lock(&provider);
    let path = format!("/keys/{id}");
    if provider.down {
        return record(&mut provider, "DELETE", path, StatusCode::SERVICE_UNAVAILABLE);
    }
    if !provider.is_admin(&headers) {
        return record(&mut provider, "DELETE", path, StatusCode::UNAUTHORIZED);
    }
    let found = provider.keys.iter_mut().find(|key| key.id == id && !key.revoked);
    let status = match found {
        Some(key) => {
            key.revoked = true;
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    };
    record(&mut provider, "DELETE", path, status)
}

async fn whoami(State(provider): State<Shared>, headers: HeaderMap) -> StatusCode {
    let mut provider = lock(&provider);
    let path = "/whoami".to_string();
    if provider.down {
        return record(&mut provider, "GET", path, StatusCode::SERVICE_UNAVAILABLE);
    }
    let presented = bearer(&headers).map(str::to_string);
    let rejections = provider.rejections_before_active;
    let key = provider
        .keys
        .iter_mut()
        .find(|key| !key.revoked && Some(&key.secret) == presented.as_ref());
    let status = match key {
        Some(key) if key.test_calls >= rejections => StatusCode::OK,
        Some(key) => {
            key.test_calls += 1;
            StatusCode::UNAUTHORIZED
        }
        None => StatusCode::UNAUTHORIZED,
    };
    record(&mut provider, "GET", path, status)
}

async fn big() -> Vec<u8> {
    vec![b'x'; BIG_BODY_BYTES]
}
