//! A small blocking HTTP client over the standard `wasi:http/outgoing-handler`
//! import, for rotators that call an API instead of a database.
//!
//! The host sends each request only to hosts on the rotator's allow-list,
//! resolves names itself, caps body sizes and the number of requests per step,
//! and clamps timeouts. A request it rejects comes back as
//! [`HttpError::Denied`]. A rotator that never calls [`send`] does not import
//! `wasi:http`, so database rotators are unaffected by this module.
//!
//! ```no_run
//! use tumbler_sdk::http::{self, Method, Request};
//!
//! let request = Request::new(Method::Get, "https://api.example.com/whoami")
//!     .header("Authorization", "Bearer not-a-real-key");
//! let response = http::send(&request).map_err(|error| error.into_rotation_error("calling whoami"))?;
//! assert_eq!(response.status, 200);
//! # Ok::<(), tumbler_sdk::RotationError>(())
//! ```

use std::fmt;

use crate::RotationError;

/// Response bytes the client reads before it gives up. The host applies its
/// own, usually smaller, cap first.
pub const MAX_RESPONSE_BYTES: usize = 4 << 20;

/// HTTP methods the client sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Parses a method name in any case, such as `post`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_uppercase().as_str() {
            "GET" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "PUT" => Some(Self::Put),
            "PATCH" => Some(Self::Patch),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to send. Header values may hold credentials: the client never
/// puts them in an error message.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Request {
    pub fn new(method: Method, url: &str) -> Self {
        Self {
            method,
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets a JSON body and the matching `Content-Type`.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.header("Content-Type", "application/json")
    }
}

/// A response with its whole body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// Returns whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Cause of a request that produced no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// The URL is not an absolute `http` or `https` URL.
    InvalidUrl(String),
    /// The host rejected the request: the destination is not on the
    /// allow-list, resolves to a blocked address, or the step used up its
    /// request budget.
    Denied(String),
    /// A body exceeded the host's or the client's size cap.
    TooLarge(String),
    /// The connection failed or timed out; the provider may be down.
    Transport(String),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(message)
            | Self::Denied(message)
            | Self::TooLarge(message)
            | Self::Transport(message) => f.write_str(message),
        }
    }
}

impl HttpError {
    /// Converts the error into a step error: `Denied` stays denied,
    /// `Transport` becomes `Unavailable` so the host retries the step, and
    /// the others become `Other`. `context` names what the request was for.
    pub fn into_rotation_error(self, context: &str) -> RotationError {
        match self {
            Self::Denied(message) => RotationError::Denied(format!("{context}: {message}")),
            Self::Transport(message) => RotationError::Unavailable(format!("{context}: {message}")),
            Self::InvalidUrl(message) | Self::TooLarge(message) => {
                RotationError::Other(format!("{context}: {message}"))
            }
        }
    }

    /// Returns whether sending the same request again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transport(_))
    }
}

/// The parts of an absolute URL that `wasi:http` takes separately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts {
    pub https: bool,
    /// `host` or `host:port`, as written in the URL.
    pub authority: String,
    /// Path and query, at least `/`.
    pub path_with_query: String,
}

impl UrlParts {
    /// Returns `scheme://authority`, the part of a URL that the allow-list
    /// matches.
    pub fn origin(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.authority)
    }
}

/// Splits an absolute `http://` or `https://` URL. The fragment is dropped.
pub fn split_url(url: &str) -> Result<UrlParts, HttpError> {
    let invalid = |reason: &str| HttpError::InvalidUrl(format!("invalid URL {url:?}: {reason}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid("missing scheme"))?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(invalid("the scheme must be http or https")),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let split_at = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split_at);
    if authority.is_empty() {
        return Err(invalid("missing host"));
    }
    if authority.contains('@') {
        return Err(invalid("credentials in the URL are not allowed"));
    }
    let path_with_query = match path {
        "" => "/".to_string(),
        path if path.starts_with('?') => format!("/{path}"),
        path => path.to_string(),
    };
    Ok(UrlParts {
        https,
        authority: authority.to_string(),
        path_with_query,
    })
}

/// Sends `request` and reads the whole response body.
///
/// # Errors
///
/// Returns [`HttpError`] when the URL is invalid, the host denies the
/// request, a body is too large, or the connection fails. An HTTP error
/// status is a successful [`Response`].
pub fn send(request: &Request) -> Result<Response, HttpError> {
    let parts = split_url(&request.url)?;
    transport::send(request, &parts)
}

#[cfg(target_arch = "wasm32")]
mod transport {
    use wasi::http::outgoing_handler;
    use wasi::http::types::{ErrorCode, Fields, Method as WasiMethod, OutgoingBody, OutgoingRequest, Scheme};
    use wasi::io::streams::StreamError;

    use super::{HttpError, MAX_RESPONSE_BYTES, Method, Request, Response, UrlParts};

    /// Bytes written to an output stream per call; `blocking-write-and-flush`
    /// accepts at most 4096.
    const WRITE_CHUNK: usize = 4096;

    pub(super) fn send(request: &Request, parts: &UrlParts) -> Result<Response, HttpError> {
        let origin = parts.origin();
        let target = format!("{} {origin}{}", request.method, parts.path_with_query);
        let outgoing = build_request(request, parts, &target)?;
        let body = outgoing
            .body()
            .map_err(|()| HttpError::Transport(format!("{target}: the request body was already taken")))?;

        let future = outgoing_handler::handle(outgoing, None).map_err(|code| describe(code, &origin, &target))?;
        let written = write_body(&body, &request.body, &target).and_then(|()| {
            OutgoingBody::finish(body, None).map_err(|code| describe(code, &origin, &target))
        });

        // The response decides the outcome. A denied request closes the body
        // stream, and a server may respond before it reads the whole body, so
        // a write error matters only when no response arrived.
        future.subscribe().block();
        let response = match future.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(describe(code, &origin, &target)),
            Some(Err(())) | None => {
                written?;
                return Err(HttpError::Transport(format!("{target}: the response was lost")));
            }
        };
        let status = response.status();
        let incoming = response
            .consume()
            .map_err(|()| HttpError::Transport(format!("{target}: the response body was already taken")))?;
        let stream = incoming
            .stream()
            .map_err(|()| HttpError::Transport(format!("{target}: the response body was already taken")))?;
        let mut body = Vec::new();
        loop {
            match stream.blocking_read(64 << 10) {
                Ok(chunk) => {
                    body.extend_from_slice(&chunk);
                    if body.len() > MAX_RESPONSE_BYTES {
                        return Err(HttpError::TooLarge(format!(
                            "{target}: the response body is larger than {MAX_RESPONSE_BYTES} bytes"
                        )));
                    }
                }
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(error)) => {
                    let message = match wasi::http::types::http_error_code(&error) {
                        Some(code) => return Err(describe(code, &origin, &target)),
                        None => error.to_debug_string(),
                    };
                    return Err(HttpError::Transport(format!("{target}: reading the response failed: {message}")));
                }
            }
        }
        Ok(Response { status, body })
    }

    fn build_request(request: &Request, parts: &UrlParts, target: &str) -> Result<OutgoingRequest, HttpError> {
        let entries: Vec<(String, Vec<u8>)> = request
            .headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.as_bytes().to_vec()))
            .collect();
        // The error names the header but never its value, which may be a credential.
        let headers = Fields::from_list(&entries).map_err(|error| {
            let names: Vec<&str> = request.headers.iter().map(|(name, _)| name.as_str()).collect();
            HttpError::InvalidUrl(format!(
                "{target}: a header is invalid or not allowed ({error:?}); headers: {}",
                names.join(", ")
            ))
        })?;
        let outgoing = OutgoingRequest::new(headers);
        let invalid = |what: &str| HttpError::InvalidUrl(format!("{target}: invalid {what}"));
        let method = match request.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
        };
        outgoing.set_method(&method).map_err(|()| invalid("method"))?;
        let scheme = if parts.https { Scheme::Https } else { Scheme::Http };
        outgoing.set_scheme(Some(&scheme)).map_err(|()| invalid("scheme"))?;
        outgoing
            .set_authority(Some(&parts.authority))
            .map_err(|()| invalid("host or port"))?;
        outgoing
            .set_path_with_query(Some(&parts.path_with_query))
            .map_err(|()| invalid("path"))?;
        Ok(outgoing)
    }

    fn write_body(body: &OutgoingBody, bytes: &[u8], target: &str) -> Result<(), HttpError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let stream = body
            .write()
            .map_err(|()| HttpError::Transport(format!("{target}: the request body stream was already taken")))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream.blocking_write_and_flush(chunk).map_err(|error| match error {
                StreamError::LastOperationFailed(error) => match wasi::http::types::http_error_code(&error) {
                    Some(ErrorCode::HttpRequestBodySize(_)) => {
                        HttpError::TooLarge(format!("{target}: the request body is larger than the host allows"))
                    }
                    _ => HttpError::Transport(format!("{target}: sending the body failed: {}", error.to_debug_string())),
                },
                StreamError::Closed => HttpError::Transport(format!("{target}: the connection closed while sending")),
            })?;
        }
        Ok(())
    }

    /// Turns a `wasi:http` error code into an error that names the destination.
    fn describe(code: ErrorCode, origin: &str, target: &str) -> HttpError {
        match code {
            ErrorCode::HttpRequestDenied => HttpError::Denied(format!(
                "{target}: the host denied the request because {origin} is not on the rotator's \
                 allow-list; add it with --allow-host {origin} or in tumbler.toml"
            )),
            ErrorCode::DestinationIpProhibited => HttpError::Denied(format!(
                "{target}: the host denied the request because {origin} resolves to an address \
                 that rotators may not reach (link-local, metadata service, unspecified, or \
                 loopback through a wildcard entry)"
            )),
            ErrorCode::ConnectionLimitReached => HttpError::Denied(format!(
                "{target}: the step used up its HTTP request budget"
            )),
            ErrorCode::HttpResponseBodySize(limit) => HttpError::TooLarge(format!(
                "{target}: the response body exceeds the host's cap{}",
                limit.map(|bytes| format!(" of {bytes} bytes")).unwrap_or_default()
            )),
            ErrorCode::HttpRequestBodySize(_) => {
                HttpError::TooLarge(format!("{target}: the request body is larger than the host allows"))
            }
            ErrorCode::HttpRequestUriInvalid | ErrorCode::HttpRequestMethodInvalid => {
                HttpError::InvalidUrl(format!("{target}: the host rejected the request line ({code:?})"))
            }
            other => HttpError::Transport(format!("{target}: {other:?}")),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod transport {
    use super::{HttpError, Request, Response, UrlParts};

    pub(super) fn send(_request: &Request, _parts: &UrlParts) -> Result<Response, HttpError> {
        panic!("tumbler_sdk::http::send needs the wasi:http host and runs only on wasm32-wasip2")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_with_port_and_query_splits() {
        let parts = split_url("http://127.0.0.1:8080/keys?x=1#frag").unwrap();
        assert!(!parts.https);
        assert_eq!(parts.authority, "127.0.0.1:8080");
        assert_eq!(parts.path_with_query, "/keys?x=1");
        assert_eq!(parts.origin(), "http://127.0.0.1:8080");
    }

    #[test]
    fn url_without_path_gets_slash() {
        let parts = split_url("HTTPS://api.example.com").unwrap();
        assert!(parts.https);
        assert_eq!(parts.path_with_query, "/");
        let parts = split_url("https://api.example.com?q").unwrap();
        assert_eq!(parts.path_with_query, "/?q");
    }

    #[test]
    fn bad_urls_are_rejected() {
        for url in ["api.example.com/keys", "ftp://a/b", "https:///keys", "https://user:pw@a/"] {
            assert!(matches!(split_url(url), Err(HttpError::InvalidUrl(_))), "{url}");
        }
    }

    #[test]
    fn request_debug_hides_header_values() {
        let request = Request::new(Method::Get, "https://a/").header("Authorization", "Bearer hidden-value");
        let text = format!("{request:?}");
        assert!(text.contains("Authorization"), "{text}");
        assert!(!text.contains("hidden-value"), "{text}");
    }

    #[test]
    fn transport_errors_are_retried_and_denials_are_not() {
        assert!(HttpError::Transport("down".to_string()).is_transient());
        assert!(!HttpError::Denied("no".to_string()).is_transient());
        let error = HttpError::Denied("no".to_string()).into_rotation_error("minting");
        assert!(matches!(error, RotationError::Denied(_)));
        let error = HttpError::Transport("down".to_string()).into_rotation_error("minting");
        assert!(matches!(error, RotationError::Unavailable(_)));
    }

    #[test]
    fn method_names_parse() {
        assert_eq!(Method::parse("post"), Some(Method::Post));
        assert_eq!(Method::parse(" Delete "), Some(Method::Delete));
        assert_eq!(Method::parse("PURGE"), None);
    }
}
