//! Measures GetSecretValue throughput and latency of a Secrets Manager
//! endpoint over keep-alive HTTP/1.1 connections, signing every request with
//! SigV4, and prints requests per second with p50 and p99 latency.
//!
//! ```sh
//! # Against a running server (tumbler serve, moto_server, ...):
//! AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//!   cargo run --release -p tumbler-tests --bin bench-api -- \
//!   --endpoint http://127.0.0.1:7766 --secret-id bench/secret
//! # Against an in-process axum server that returns a fixed response:
//! cargo run --release -p tumbler-tests --bin bench-api -- --ceiling
//! ```
//!
//! Each connection is one task that sends a request, reads the whole
//! response and sends the next (a closed loop), so the request rate is what
//! the server sustains at that concurrency. Requests that complete during the
//! warm-up are not counted. Any response other than 200 counts as an error,
//! and the program exits non-zero when there was one.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, bail, ensure};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Upper bounds that keep every run finite.
const MAX_CONNECTIONS: usize = 1024;
const MAX_DURATION_SECS: f64 = 300.0;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A request that takes longer than this fails the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

const REGION: &str = "us-east-1";
const SERVICE: &str = "secretsmanager";
const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Response body of the ceiling server: a GetSecretValue result of the size
/// Tumbler returns for a short string value.
const CEILING_RESPONSE: &str = r#"{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:bench/secret-AbC123","Name":"bench/secret","VersionId":"6f4e9d2c-2b1a-4c7e-9a57-3d5f0e8b1c2a","SecretString":"bench-value-0123456789","VersionStages":["AWSCURRENT"],"CreatedDate":1764867600.123}"#;

#[derive(Debug, Parser)]
#[command(about = "Measure GetSecretValue throughput and latency of a Secrets Manager endpoint")]
struct Args {
    /// Base URL of the server, `http://HOST:PORT`. Only plain HTTP.
    #[arg(long, required_unless_present = "ceiling")]
    endpoint: Option<String>,

    /// Benchmark an in-process axum server that returns a fixed
    /// GetSecretValue response, instead of --endpoint.
    #[arg(long, conflicts_with = "endpoint")]
    ceiling: bool,

    /// SecretId sent in every request.
    #[arg(long, default_value = "bench/secret")]
    secret_id: String,

    /// Number of keep-alive connections, each with one request in flight.
    #[arg(long, default_value_t = 16)]
    connections: usize,

    /// Measured time in seconds, after the warm-up (at most 300).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,

    /// Seconds of load before measuring starts.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,

    /// Label printed with the results.
    #[arg(long, default_value = "endpoint")]
    label: String,

    /// AWS credentials file whose [default] profile signs the requests
    /// (Tumbler writes one to <data dir>/admin-credentials).
    #[arg(long)]
    credentials_file: Option<PathBuf>,

    /// Access key id that signs the requests, when no credentials file is given.
    #[arg(long, env = "AWS_ACCESS_KEY_ID", default_value = "test")]
    access_key_id: String,

    /// Secret access key that signs the requests, when no credentials file is given.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", default_value = "test", hide_env_values = true)]
    secret_access_key: String,

    /// Print the results as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Where and how to send the requests.
#[derive(Clone)]
struct Target {
    address: SocketAddr,
    host: String,
    body: Bytes,
    credentials: Credentials,
}

/// What one connection measured.
#[derive(Default)]
struct WorkerResult {
    /// Latency of each counted request, in microseconds.
    latencies_us: Vec<u32>,
    errors: u64,
    /// Connections opened after the first because the server closed one.
    reconnects: u64,
    first_error: Option<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(
        (1..=MAX_CONNECTIONS).contains(&args.connections),
        "--connections must be between 1 and {MAX_CONNECTIONS}, got {}",
        args.connections
    );
    ensure!(
        args.duration > 0.0 && args.duration <= MAX_DURATION_SECS,
        "--duration must be more than 0 and at most {MAX_DURATION_SECS} seconds, got {}",
        args.duration
    );
    ensure!(
        (0.0..=MAX_DURATION_SECS).contains(&args.warmup),
        "--warmup must be between 0 and {MAX_DURATION_SECS} seconds, got {}",
        args.warmup
    );

    // The ceiling server gets a runtime of its own, as a separate server
    // process would, so client and server tasks do not share worker queues.
    let ceiling_runtime = args.ceiling.then(build_runtime).transpose()?;
    let address = match &ceiling_runtime {
        Some(runtime) => runtime.block_on(start_ceiling_server())?,
        None => parse_endpoint(args.endpoint.as_deref().unwrap_or_default())?,
    };
    let credentials = load_credentials(&args)?;
    let body = serde_json::to_vec(&serde_json::json!({ "SecretId": args.secret_id }))?;
    let target = Target {
        address,
        host: address.to_string(),
        body: Bytes::from(body),
        credentials,
    };

    let client_runtime = build_runtime()?;
    let warmup = Duration::from_secs_f64(args.warmup);
    let measured = Duration::from_secs_f64(args.duration);
    let results = client_runtime.block_on(run_load(&target, args.connections, warmup, measured))?;
    drop(ceiling_runtime);

    let label = if args.ceiling { "ceiling" } else { args.label.as_str() };
    report(label, &args, measured, results)
}

fn build_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start a tokio runtime")
}

/// Parses `http://HOST:PORT` into a socket address; HOST must be an IP address.
fn parse_endpoint(endpoint: &str) -> anyhow::Result<SocketAddr> {
    let Some(authority) = endpoint.strip_prefix("http://") else {
        bail!("--endpoint must start with http://, got {endpoint:?}");
    };
    let authority = authority.trim_end_matches('/');
    authority.parse().with_context(|| {
        format!("--endpoint must be http://IP:PORT (for example http://127.0.0.1:7766), got {endpoint:?}")
    })
}

fn load_credentials(args: &Args) -> anyhow::Result<Credentials> {
    let (access_key_id, secret_access_key) = match &args.credentials_file {
        Some(path) => read_credentials_file(path)?,
        None => (args.access_key_id.clone(), args.secret_access_key.clone()),
    };
    Ok(Credentials::new(access_key_id, secret_access_key, None, None, "bench-api"))
}

/// Reads the `[default]` profile of an AWS shared credentials file.
fn read_credentials_file(path: &Path) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the credentials file {}", path.display()))?;
    let mut in_default = false;
    let mut access_key_id = None;
    let mut secret_access_key = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_default = line == "[default]";
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !in_default {
            continue;
        }
        match key.trim() {
            "aws_access_key_id" => access_key_id = Some(value.trim().to_owned()),
            "aws_secret_access_key" => secret_access_key = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    match (access_key_id, secret_access_key) {
        (Some(id), Some(secret)) => Ok((id, secret)),
        _ => bail!(
            "{} has no [default] profile with aws_access_key_id and aws_secret_access_key",
            path.display()
        ),
    }
}

/// Starts the ceiling server on a free loopback port and returns its address.
async fn start_ceiling_server() -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("failed to listen on 127.0.0.1 for the ceiling server")?;
    let address = listener.local_addr()?;
    let router = Router::new().route("/", post(fixed_get_secret_value));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            eprintln!("ceiling server failed: {error}");
        }
    });
    Ok(address)
}

/// Consumes the request body and returns the fixed GetSecretValue response.
async fn fixed_get_secret_value(_body: Bytes) -> Response {
    let mut response = CEILING_RESPONSE.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    headers.insert(
        "x-amzn-requestid",
        HeaderValue::from_static("00000000-0000-4000-8000-000000000000"),
    );
    response
}

async fn run_load(
    target: &Target,
    connections: usize,
    warmup: Duration,
    measured: Duration,
) -> anyhow::Result<Vec<WorkerResult>> {
    let started = Instant::now();
    let measure_from = started + warmup;
    let measure_until = measure_from + measured;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let target = target.clone();
        workers.spawn(async move { run_connection(target, measure_from, measure_until).await });
    }
    let mut results = Vec::with_capacity(connections);
    while let Some(joined) = workers.join_next().await {
        results.push(joined.context("a connection task panicked")??);
    }
    Ok(results)
}

/// An open HTTP/1.1 connection and the task that drives it.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
    driver: tokio::task::JoinHandle<Result<(), hyper::Error>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

async fn connect(address: SocketAddr) -> anyhow::Result<Connection> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
        .await
        .with_context(|| format!("connecting to {address} timed out"))?
        .with_context(|| format!("failed to connect to {address}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .context("HTTP/1.1 handshake failed")?;
    let driver = tokio::spawn(connection);
    Ok(Connection { sender, driver })
}

/// Returns whether the server asked to close the connection after `response`.
fn closes_connection<B>(response: &hyper::Response<B>) -> bool {
    let connection_header = response
        .headers()
        .get(header::CONNECTION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let keep_alive_http10 = response.version() == hyper::Version::HTTP_10
        && connection_header.eq_ignore_ascii_case("keep-alive");
    connection_header.eq_ignore_ascii_case("close")
        || (response.version() == hyper::Version::HTTP_10 && !keep_alive_http10)
}

/// Sends requests over one connection until `measure_until`, recording the
/// latency of those sent at or after `measure_from`. When the server closes
/// the connection (as moto_server does after every response), the next
/// request opens a new one, and its latency includes the connect.
async fn run_connection(
    target: Target,
    measure_from: Instant,
    measure_until: Instant,
) -> anyhow::Result<WorkerResult> {
    let mut result = WorkerResult::default();
    let mut open: Option<Connection> = Some(connect(target.address).await?);
    loop {
        let sent_at = Instant::now();
        if sent_at >= measure_until {
            break;
        }
        let mut connection = match open.take() {
            Some(connection) => connection,
            None => {
                result.reconnects += 1;
                connect(target.address).await?
            }
        };
        let request = signed_request(&target)?;
        let outcome = tokio::time::timeout(REQUEST_TIMEOUT, async {
            connection.sender.ready().await?;
            let response = connection.sender.send_request(request).await?;
            let status = response.status();
            let closes = closes_connection(&response);
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, closes, body))
        })
        .await;
        let finished_at = Instant::now();
        let counted = sent_at >= measure_from && finished_at <= measure_until;
        match outcome {
            Ok(Ok((status, closes, body))) => {
                if !closes {
                    open = Some(connection);
                }
                if status.is_success() {
                    if counted {
                        let micros = (finished_at - sent_at).as_micros();
                        result.latencies_us.push(u32::try_from(micros).unwrap_or(u32::MAX));
                    }
                } else {
                    result.errors += 1;
                    result.first_error.get_or_insert_with(|| {
                        format!("HTTP {status}: {}", String::from_utf8_lossy(&body))
                    });
                }
            }
            Ok(Err(error)) => {
                result.errors += 1;
                result.first_error.get_or_insert_with(|| format!("request failed: {error}"));
            }
            Err(_) => {
                result.errors += 1;
                result.first_error.get_or_insert_with(|| {
                    format!("no response within {} s", REQUEST_TIMEOUT.as_secs())
                });
            }
        }
    }
    Ok(result)
}

/// Builds a GetSecretValue request signed with SigV4 at the current time.
fn signed_request(target: &Target) -> anyhow::Result<Request<Full<Bytes>>> {
    let url = format!("http://{}/", target.host);
    let headers = [
        ("host", target.host.as_str()),
        ("content-type", JSON_CONTENT_TYPE),
        ("x-amz-target", "secretsmanager.GetSecretValue"),
    ];
    let identity = target.credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name(SERVICE)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .context("invalid signing parameters")?
        .into();
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().copied(),
        SignableBody::Bytes(&target.body),
    )
    .context("the request cannot be signed")?;
    let (instructions, _) = sign(signable, &params).context("signing failed")?.into_parts();

    let mut builder = Request::post("/").header("content-length", target.body.len());
    for (name, value) in headers.iter().copied().chain(instructions.headers()) {
        builder = builder.header(name, value);
    }
    Ok(builder.body(Full::new(target.body.clone()))?)
}

/// Returns the value at `fraction` (0 to 1) of the ascending `sorted`
/// slice, by the nearest-rank method.
fn percentile(sorted: &[u32], fraction: f64) -> f64 {
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn report(
    label: &str,
    args: &Args,
    measured: Duration,
    results: Vec<WorkerResult>,
) -> anyhow::Result<()> {
    let errors: u64 = results.iter().map(|result| result.errors).sum();
    let reconnects: u64 = results.iter().map(|result| result.reconnects).sum();
    let first_error = results.iter().find_map(|result| result.first_error.clone());
    let mut latencies: Vec<u32> = results
        .into_iter()
        .flat_map(|result| result.latencies_us)
        .collect();
    latencies.sort_unstable();
    if latencies.is_empty() {
        bail!(
            "no request to {label} completed in the measured time ({errors} errors; first: {})",
            first_error.as_deref().unwrap_or("none")
        );
    }

    let requests = latencies.len();
    let requests_per_sec = requests as f64 / measured.as_secs_f64();
    let p50_ms = percentile(&latencies, 0.50) / 1000.0;
    let p99_ms = percentile(&latencies, 0.99) / 1000.0;
    let max_ms = f64::from(*latencies.last().unwrap_or(&0)) / 1000.0;
    if args.json {
        let summary = serde_json::json!({
            "label": label,
            "connections": args.connections,
            "duration_s": measured.as_secs_f64(),
            "requests": requests,
            "errors": errors,
            "reconnects": reconnects,
            "requests_per_s": requests_per_sec,
            "p50_ms": p50_ms,
            "p99_ms": p99_ms,
            "max_ms": max_ms,
        });
        println!("{summary}");
    } else {
        println!(
            "{label}: {requests_per_sec:.0} requests/s over {} connections for {:.1} s \
             ({requests} requests, {errors} errors, {reconnects} reconnects); latency p50 \
             {p50_ms:.3} ms, p99 {p99_ms:.3} ms, max {max_ms:.3} ms",
            args.connections,
            measured.as_secs_f64()
        );
    }
    if errors > 0 {
        bail!(
            "{errors} requests to {label} failed; first: {}",
            first_error.as_deref().unwrap_or("unknown")
        );
    }
    Ok(())
}
