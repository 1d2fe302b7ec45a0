//! The `wasi:http/outgoing-handler` policy: which requests a rotator may send.
//!
//! Every request passes these checks before a connection is opened: the
//! step's request budget, the scheme (`http` or `https`), the allow-list
//! entry for `scheme://host:port`, and the addresses the host name resolves
//! to (see `egress`). A rejected request reaches the guest as a
//! `wasi:http` error code (`HTTP-request-denied`, `destination-IP-prohibited`,
//! `connection-limit-reached`), never as a trap. Log lines name only the
//! method and `scheme://host:port`, because paths, queries and headers may
//! carry credentials.

use std::net::{IpAddr, SocketAddr};

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use crate::wasm::allow_list::{AllowList, Match, format_entry, normalize_host};
use crate::wasm::egress::{EgressDenied, check_resolved};
use crate::wasm::http_client::{self, ConnectionTask, Destination, Timeouts};
use crate::wasm::limits::StepLimits;

type SendFuture = Box<dyn Future<Output = Result<(http::Response<WasiBody>, ConnectionTask), Error>> + Send>;

/// Per-step state of the HTTP policy; the `hooks` of the step's
/// `WasiHttpCtxView`.
pub struct HttpPolicy {
    allow_list: AllowList,
    limits: StepLimits,
    requests_sent: usize,
}

impl HttpPolicy {
    pub fn new(allow_list: AllowList, limits: StepLimits) -> Self {
        Self {
            allow_list,
            limits,
            requests_sent: 0,
        }
    }

    /// Applies the checks that need no I/O and returns where the request
    /// goes: scheme, normalised host, port and the allow-list match.
    fn check_request(&mut self, request: &http::Request<WasiBody>) -> Result<Target, Error> {
        if self.requests_sent >= self.limits.max_http_requests {
            tracing::warn!(
                max_http_requests = self.limits.max_http_requests,
                "rotator HTTP request denied: the step used up its request budget"
            );
            return Err(Error::ConnectionLimitReached);
        }
        self.requests_sent += 1;

        let uri = request.uri();
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(Error::HttpRequestUriInvalid),
        };
        let scheme = if https { "https" } else { "http" };
        let host = uri.host().map(normalize_host).ok_or(Error::HttpRequestUriInvalid)?;
        if host.is_empty() {
            return Err(Error::HttpRequestUriInvalid);
        }
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let entry = format_entry(scheme, &host, port);
        let allowed = self.allow_list.check(scheme, &host, port);
        if allowed == Match::Denied {
            tracing::warn!(
                method = %request.method(),
                destination = %entry,
                allow_list = %self.allow_list,
                "rotator HTTP request denied: the destination is not on the allow-list"
            );
            return Err(Error::HttpRequestDenied);
        }
        Ok(Target {
            https,
            host,
            port,
            entry,
            allowed,
        })
    }

    fn timeouts(&self, options: Option<RequestOptions>) -> Timeouts {
        // The guest may shorten the host's timeouts but never lengthen them.
        let clamp = |requested: Option<std::time::Duration>, cap| requested.map_or(cap, |value| value.min(cap));
        let options = options.unwrap_or_default();
        Timeouts {
            connect: clamp(options.connect_timeout, self.limits.connect_timeout),
            first_byte: clamp(options.first_byte_timeout, self.limits.http_first_byte_timeout),
            between_bytes: clamp(options.between_bytes_timeout, self.limits.http_first_byte_timeout),
        }
    }
}

/// A request's destination after the allow-list check.
struct Target {
    https: bool,
    host: String,
    port: u16,
    /// `scheme://host:port`, for log lines.
    entry: String,
    allowed: Match,
}

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> SendFuture {
        drop(fut);
        let checked = self.check_request(&request);
        let timeouts = self.timeouts(options);
        let max_body_bytes = self.limits.max_http_response_bytes;
        Box::new(async move {
            let target = checked?;
            let addresses = resolve(&target, timeouts.connect).await?;
            tracing::debug!(method = %request.method(), destination = %target.entry, "rotator HTTP request");
            let destination = Destination {
                addresses,
                host: target.host,
                https: target.https,
            };
            let result = http_client::send(request, destination, timeouts, max_body_bytes).await;
            if let Err(error) = &result {
                tracing::warn!(destination = %target.entry, %error, "rotator HTTP request failed");
            }
            result
        })
    }
}

/// Resolves the target's host and checks every address.
async fn resolve(target: &Target, timeout: std::time::Duration) -> Result<Vec<SocketAddr>, Error> {
    let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => {
            let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
            match tokio::time::timeout(timeout, lookup).await {
                Ok(Ok(addresses)) => addresses.collect(),
                Ok(Err(error)) => {
                    tracing::warn!(destination = %target.entry, %error, "rotator HTTP request: DNS lookup failed");
                    return Err(Error::DnsError {
                        rcode: Some(error.to_string()),
                        info_code: None,
                    });
                }
                Err(_) => return Err(Error::DnsTimeout),
            }
        }
    };
    check_resolved(&addresses, target.allowed).map_err(|denied| {
        tracing::warn!(destination = %target.entry, reason = %denied, "rotator HTTP request denied");
        denied_error(&denied)
    })?;
    Ok(addresses)
}

fn denied_error(denied: &EgressDenied) -> Error {
    match denied {
        EgressDenied::NotAllowListed => Error::HttpRequestDenied,
        EgressDenied::Blocked { .. } => Error::DestinationIpProhibited,
        EgressDenied::Unresolvable(message) => Error::DnsError {
            rcode: Some(message.clone()),
            info_code: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn policy(entries: &[&str]) -> HttpPolicy {
        HttpPolicy::new(AllowList::parse(entries).expect("valid entries"), StepLimits::default())
    }

    fn request(uri: &str) -> http::Request<WasiBody> {
        let body = http_body_util::Empty::new().map_err(|never| match never {}).boxed_unsync();
        http::Request::get(uri).body(body).expect("valid request")
    }

    #[test]
    fn listed_destination_passes() {
        let target = policy(&["https://api.example.com"]).check_request(&request("https://api.example.com/keys"));
        let target = target.expect("allowed");
        assert_eq!(target.port, 443);
        assert_eq!(target.allowed, Match::Exact);
    }

    #[test]
    fn unlisted_destination_is_denied() {
        let result = policy(&["https://api.example.com"]).check_request(&request("https://other.example.com/"));
        assert!(matches!(result, Err(Error::HttpRequestDenied)));
    }

    #[test]
    fn scheme_must_match_the_entry() {
        let result = policy(&["https://api.example.com"]).check_request(&request("http://api.example.com:443/"));
        assert!(matches!(result, Err(Error::HttpRequestDenied)));
    }

    #[test]
    fn request_budget_is_enforced() {
        let mut policy = policy(&["http://127.0.0.1:8080"]);
        for _ in 0..policy.limits.max_http_requests {
            assert!(policy.check_request(&request("http://127.0.0.1:8080/")).is_ok());
        }
        let result = policy.check_request(&request("http://127.0.0.1:8080/"));
        assert!(matches!(result, Err(Error::ConnectionLimitReached)));
    }

    #[test]
    fn guest_cannot_lengthen_timeouts() {
        let policy = policy(&[]);
        let options = RequestOptions {
            connect_timeout: Some(std::time::Duration::from_secs(3600)),
            first_byte_timeout: Some(std::time::Duration::from_millis(5)),
            between_bytes_timeout: None,
        };
        let timeouts = policy.timeouts(Some(options));
        assert_eq!(timeouts.connect, policy.limits.connect_timeout);
        assert_eq!(timeouts.first_byte, std::time::Duration::from_millis(5));
        assert_eq!(timeouts.between_bytes, policy.limits.http_first_byte_timeout);
    }

    #[tokio::test]
    async fn metadata_address_is_prohibited_before_connecting() {
        let mut policy = policy(&["http://169.254.169.254"]);
        let target = policy.check_request(&request("http://169.254.169.254/latest/meta-data/")).expect("listed");
        let result = resolve(&target, std::time::Duration::from_secs(1)).await;
        assert!(matches!(result, Err(Error::DestinationIpProhibited)));
    }

    #[test]
    fn name_resolving_to_link_local_is_prohibited() {
        // The addresses a name such as metadata.internal could resolve to.
        let addresses: Vec<SocketAddr> = vec!["10.0.0.8:80".parse().unwrap(), "169.254.10.1:80".parse().unwrap()];
        let result = check_resolved(&addresses, Match::Exact).map_err(|denied| denied_error(&denied));
        assert!(matches!(result, Err(Error::DestinationIpProhibited)));
    }
}
