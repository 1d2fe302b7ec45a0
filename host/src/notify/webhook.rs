//! Webhook configuration and delivery.
//!
//! Each delivery resolves the URL's host itself and checks the addresses
//! with the rotators' egress rules, so a webhook can never reach a cloud
//! metadata service, then connects to the checked address only (no second
//! DNS lookup, no redirects, no proxy). Loopback is allowed, because the URL
//! names its host literally, as an exact allow-list entry does for rotators.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use super::EventName;
use super::signature::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use crate::wasm::allow_list::Match;
use crate::wasm::egress::resolve_checked;

/// Shortest accepted signing secret, in bytes; shorter keys are guessable.
pub const MIN_SECRET_LEN: usize = 16;

/// A `[[notifications.webhook]]` entry.
#[derive(Clone)]
pub struct WebhookConfig {
    pub url: reqwest::Url,
    /// HMAC-SHA256 key of the signature header.
    pub secret: Zeroizing<String>,
    /// The PEM file that `extra_roots` were read from.
    pub ca_file: Option<PathBuf>,
    /// Certificates trusted for this webhook besides the bundled roots.
    extra_roots: Vec<reqwest::Certificate>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url.as_str())
            .field("secret", &"<redacted>")
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl WebhookConfig {
    /// Checks a configured URL and secret.
    pub fn parse(url: &str, secret: String) -> Result<WebhookConfig, String> {
        let secret = Zeroizing::new(secret);
        let parsed = reqwest::Url::parse(url)
            .map_err(|error| format!("webhook url {url:?} is invalid: {error}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "webhook url {url:?} uses {}; only http:// and https:// URLs are supported",
                parsed.scheme()
            ));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(format!("webhook url {url:?} has no host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(format!(
                "webhook url {url:?} contains credentials; authenticate the receiver with the \
                 signature header instead"
            ));
        }
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!(
                "the secret of webhook {url:?} is shorter than {MIN_SECRET_LEN} bytes; use a \
                 random string of at least {MIN_SECRET_LEN} characters"
            ));
        }
        Ok(WebhookConfig {
            url: parsed,
            secret,
            ca_file: None,
            extra_roots: Vec::new(),
        })
    }

    /// Trusts the PEM certificates in `path` for this https webhook, in
    /// addition to the bundled roots.
    pub fn with_ca_file(mut self, path: &Path) -> Result<WebhookConfig, String> {
        if self.url.scheme() != "https" {
            return Err(format!(
                "webhook url {:?} is not https, so its ca_file {} would never be used",
                self.url.as_str(),
                path.display()
            ));
        }
        let pem = std::fs::read(path)
            .map_err(|error| format!("could not read ca_file {}: {error}", path.display()))?;
        let roots = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|error| format!("ca_file {} is not valid PEM: {error}", path.display()))?;
        if roots.is_empty() {
            return Err(format!("ca_file {} holds no CERTIFICATE block", path.display()));
        }
        self.ca_file = Some(path.to_path_buf());
        self.extra_roots = roots;
        Ok(self)
    }
}

/// Retries of one delivery.
#[derive(Clone, Debug)]
pub struct DeliveryPolicy {
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each later one.
    pub initial_backoff: Duration,
    /// Limit for connecting, sending and reading the response of one attempt.
    pub timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Cause of one failed attempt, and whether another attempt may succeed.
struct AttemptError {
    message: String,
    retryable: bool,
}

/// POSTs `body` to the webhook, retrying connection errors, timeouts, 429 and
/// 5xx responses up to the policy's attempts. Outcomes are logged.
pub async fn deliver(webhook: &WebhookConfig, event: EventName, body: &[u8], policy: &DeliveryPolicy) {
    let delivery_id = uuid::Uuid::new_v4().to_string();
    let url = webhook.url.as_str();
    for attempt in 1..=policy.max_attempts.max(1) {
        match attempt_delivery(webhook, event, body, &delivery_id, policy.timeout).await {
            Ok(()) => {
                tracing::info!(url, event = event.as_str(), delivery_id, attempt, "webhook delivered");
                return;
            }
            Err(error) if error.retryable && attempt < policy.max_attempts => {
                let backoff = policy.initial_backoff.saturating_mul(1 << (attempt - 1).min(16));
                tracing::warn!(
                    url,
                    event = event.as_str(),
                    delivery_id,
                    attempt,
                    backoff_ms = backoff.as_millis() as u64,
                    error = %error.message,
                    "webhook delivery failed; retrying"
                );
                tokio::time::sleep(backoff).await;
            }
            Err(error) => {
                tracing::error!(
                    url,
                    event = event.as_str(),
                    delivery_id,
                    attempt,
                    error = %error.message,
                    "webhook delivery failed; giving up"
                );
                return;
            }
        }
    }
}

async fn attempt_delivery(
    webhook: &WebhookConfig,
    event: EventName,
    body: &[u8],
    delivery_id: &str,
    timeout: Duration,
) -> Result<(), AttemptError> {
    let url = &webhook.url;
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    // Url keeps the brackets of an IPv6 literal, which the resolver rejects.
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses = resolve_checked(bare_host, port, Match::Exact)
        .await
        .map_err(|denied| AttemptError {
            message: format!("the webhook host {host} was rejected: {denied}"),
            retryable: matches!(denied, crate::wasm::egress::EgressDenied::Unresolvable(_)),
        })?;
    let address: SocketAddr = addresses[0];

    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .resolve(bare_host, address);
    if url.scheme() == "https" {
        builder = builder.use_rustls_tls().https_only(true);
        for root in &webhook.extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
    }
    let client = builder
        .build()
        .map_err(|error| AttemptError {
            message: format!("could not build the HTTP client: {error}"),
            retryable: false,
        })?;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let response = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, event.as_str())
        .header(DELIVERY_HEADER, delivery_id)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign(webhook.secret.as_bytes(), timestamp, body))
        .body(body.to_vec())
        .send()
        .await
        .map_err(|error| AttemptError {
            message: format!("the request failed: {}", error_chain(&error)),
            retryable: true,
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(AttemptError {
        message: format!("the receiver returned HTTP {status}"),
        retryable: status.is_server_error() || status.as_u16() == 429,
    })
}

/// Joins an error's message with its causes, so a TLS failure names the
/// certificate problem instead of only "error sending request".
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_scheme_is_rejected_with_reason() {
        let error = WebhookConfig::parse("ftp://hooks.example/x", "s".repeat(32)).unwrap_err();
        assert!(error.contains("only http:// and https:// URLs"), "{error}");
    }

    #[test]
    fn https_url_is_accepted() {
        let webhook = WebhookConfig::parse("https://hooks.example/x", "s".repeat(32)).unwrap();
        assert_eq!(webhook.url.scheme(), "https");
    }

    #[test]
    fn ca_file_on_http_url_is_rejected() {
        let webhook = WebhookConfig::parse("http://127.0.0.1:9/x", "s".repeat(32)).unwrap();
        let error = webhook.with_ca_file(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(error.contains("is not https"), "{error}");
    }

    #[test]
    fn ca_file_without_certificate_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let webhook = WebhookConfig::parse("https://127.0.0.1:9/x", "s".repeat(32)).unwrap();
        let error = webhook.with_ca_file(&path).unwrap_err();
        assert!(error.contains("holds no CERTIFICATE block"), "{error}");
    }

    #[test]
    fn missing_ca_file_is_named() {
        let webhook = WebhookConfig::parse("https://127.0.0.1:9/x", "s".repeat(32)).unwrap();
        let error = webhook.with_ca_file(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
    }

    #[test]
    fn short_secret_is_rejected() {
        let error = WebhookConfig::parse("http://127.0.0.1:9/x", "short".into()).unwrap_err();
        assert!(error.contains("shorter than 16 bytes"), "{error}");
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let webhook = WebhookConfig::parse("http://127.0.0.1:9/x", "s".repeat(32)).unwrap();
        assert!(!format!("{webhook:?}").contains("ssss"));
    }

    #[tokio::test]
    async fn metadata_address_is_never_contacted() {
        let webhook =
            WebhookConfig::parse("http://169.254.169.254/latest", "s".repeat(32)).unwrap();
        let result = attempt_delivery(
            &webhook,
            EventName::RotationFailed,
            b"{}",
            "id",
            Duration::from_secs(1),
        )
        .await;
        let error = result.err().expect("delivery is rejected");
        assert!(error.message.contains("metadata"), "{}", error.message);
    }
}

#[cfg(test)]
#[path = "webhook_tls_tests.rs"]
mod tls_tests;
