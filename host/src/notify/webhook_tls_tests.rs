//! Deliveries to an https receiver on loopback whose certificate comes from
//! a certificate authority made for the test.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::*;
use crate::notify::signature::verify;

const SECRET: &str = "tls-webhook-secret-0123456789";
const BODY: &[u8] = br#"{"eventName":"RotationFailed"}"#;

/// One request as the receiver read it: lowercased header lines and body.
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }
}

struct TlsReceiver {
    url: String,
    /// The receiver's self-signed certificate, PEM encoded.
    certificate_pem: String,
    received: Arc<Mutex<Vec<Received>>>,
}

/// Starts an https server on a free loopback port with a fresh self-signed
/// certificate for 127.0.0.1. It returns 200 to every request.
async fn start_tls_receiver() -> TlsReceiver {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("certificate");
    let certificate_pem = certified.cert.pem();
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");

    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let recorded = Arc::clone(&received);

    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let recorded = Arc::clone(&recorded);
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if let Some(request) = read_request(&mut tls).await {
                    recorded.lock().unwrap().push(request);
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    TlsReceiver {
        url: format!("https://{address}/hook"),
        certificate_pem,
        received,
    }
}

/// Reads one HTTP/1.1 request with a content-length body.
async fn read_request(stream: &mut (impl AsyncReadExt + Unpin)) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(key, _)| key == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Some(Received { headers, body })
}

fn single_attempt() -> DeliveryPolicy {
    DeliveryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn https_webhook_with_ca_file_delivers_signed_event() {
    let receiver = start_tls_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("hooks-ca.pem");
    std::fs::write(&ca_file, &receiver.certificate_pem).unwrap();
    let webhook = WebhookConfig::parse(&receiver.url, SECRET.to_owned())
        .unwrap()
        .with_ca_file(&ca_file)
        .unwrap();

    deliver(&webhook, EventName::RotationFailed, BODY, &single_attempt()).await;

    let received = receiver.received.lock().unwrap();
    assert_eq!(received.len(), 1, "one delivery reaches the receiver");
    let request = &received[0];
    assert_eq!(request.body, BODY);
    assert_eq!(request.header(EVENT_HEADER), "RotationFailed");
    let timestamp: i64 = request.header(TIMESTAMP_HEADER).parse().expect("timestamp header");
    assert!(
        verify(SECRET.as_bytes(), timestamp, &request.body, request.header(SIGNATURE_HEADER)),
        "the signature header verifies with the webhook secret"
    );
}

#[tokio::test]
async fn https_webhook_rejects_untrusted_certificate() {
    let receiver = start_tls_receiver().await;
    let webhook = WebhookConfig::parse(&receiver.url, SECRET.to_owned()).unwrap();

    let result = attempt_delivery(&webhook, EventName::RotationFailed, BODY, "id", Duration::from_secs(10)).await;

    let error = result.err().expect("the handshake fails");
    assert!(error.message.contains("certificate"), "{}", error.message);
    assert!(receiver.received.lock().unwrap().is_empty(), "no request is sent");
}
