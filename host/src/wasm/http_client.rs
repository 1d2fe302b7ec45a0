//! Sends one rotator HTTP request to addresses the host has already checked.
//!
//! wasmtime-wasi-http's default sender dials the request's authority and so
//! resolves the name a second time, after the allow-list check. This sender
//! dials the checked socket addresses and uses the name only for TLS
//! verification (SNI and the certificate's name), so a second DNS answer
//! cannot redirect the connection.

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, WasiBody};

/// Connection target: the checked addresses, and the host name for TLS.
pub struct Destination {
    pub addresses: Vec<SocketAddr>,
    pub host: String,
    pub https: bool,
}

/// Timeouts applied to one request.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
}

/// The future that drives the connection after the response head arrived.
pub type ConnectionTask = Box<dyn Future<Output = Result<(), Error>> + Send>;

trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// Sends `request` over a new HTTP/1.1 connection to `destination`. The
/// response body fails with `HttpResponseBodySize` past `max_body_bytes`.
pub async fn send(
    mut request: http::Request<WasiBody>,
    destination: Destination,
    timeouts: Timeouts,
    max_body_bytes: usize,
) -> Result<(http::Response<WasiBody>, ConnectionTask), Error> {
    let tcp = connect_any(&destination.addresses, timeouts.connect).await?;
    let stream: Box<dyn Stream> = if destination.https {
        let name = server_name(&destination.host)?;
        let tls = tokio::time::timeout(timeouts.connect, tls_connector().connect(name, tcp))
            .await
            .map_err(|_| Error::ConnectionTimeout)?
            .map_err(Error::Tls)?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };

    let (mut sender, connection) = tokio::time::timeout(
        timeouts.connect,
        hyper::client::conn::http1::handshake(TokioIo::new(stream)),
    )
    .await
    .map_err(|_| Error::ConnectionTimeout)??;
    let connection = tokio::spawn(connection);

    // An HTTP/1.1 request line carries only the path; the Host header that
    // wasmtime-wasi-http set names the server.
    let path = request.uri().path_and_query().map_or("/", |path| path.as_str());
    let origin_form = http::Uri::builder()
        .path_and_query(path)
        .build()
        .map_err(|_| Error::HttpRequestUriInvalid)?;
    *request.uri_mut() = origin_form;

    let response = tokio::time::timeout(timeouts.first_byte, sender.send_request(request))
        .await
        .map_err(|_| Error::ConnectionReadTimeout)??;

    let declared = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    // The error carries the cap rather than the declared length, so the
    // guest can report which limit was hit.
    if declared.is_some_and(|length| length > max_body_bytes as u64) {
        return Err(Error::HttpResponseBodySize(Some(max_body_bytes as u64)));
    }

    let response = response.map(|incoming| {
        CappedBody {
            incoming,
            remaining: max_body_bytes,
            limit: max_body_bytes,
            between_bytes: timeouts.between_bytes,
            idle: Box::pin(tokio::time::sleep(timeouts.between_bytes)),
        }
        .boxed_unsync()
    });
    let task: ConnectionTask = Box::new(async move {
        match connection.await {
            Ok(result) => result.map_err(Error::from),
            // The task was cancelled with the runtime; nothing waits for it.
            Err(_) => Ok(()),
        }
    });
    Ok((response, task))
}

/// Connects to the first address that accepts, each under `timeout`.
async fn connect_any(addresses: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let mut last_error = Error::ConnectionRefused;
    for address in addresses {
        match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(error)) => last_error = Error::Connect(error),
            Err(_) => last_error = Error::ConnectionTimeout,
        }
    }
    Err(last_error)
}

fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    match host.parse::<IpAddr>() {
        Ok(ip) => Ok(ServerName::from(ip)),
        Err(_) => Ok(ServerName::try_from(host.to_string())?),
    }
}

/// Returns a TLS client that trusts the Mozilla root certificates in
/// `webpki-roots`, with ring as the crypto provider.
fn tls_connector() -> tokio_rustls::TlsConnector {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.into(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    });
    tokio_rustls::TlsConnector::from(Arc::clone(config))
}

/// A response body that fails past a byte limit or after a pause between
/// chunks longer than `between_bytes`.
struct CappedBody {
    incoming: Incoming,
    remaining: usize,
    limit: usize,
    between_bytes: Duration,
    idle: Pin<Box<Sleep>>,
}

impl Body for CappedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        match Pin::new(&mut self.incoming).poll_frame(cx) {
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(Error::from(error)))),
            Poll::Ready(Some(Ok(frame))) => {
                let length = frame.data_ref().map_or(0, Bytes::len);
                if length > self.remaining {
                    let limit = self.limit as u64;
                    return Poll::Ready(Some(Err(Error::HttpResponseBodySize(Some(limit)))));
                }
                self.remaining -= length;
                let deadline = Instant::now() + self.between_bytes;
                self.idle.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match self.idle.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Error::ConnectionReadTimeout))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}
