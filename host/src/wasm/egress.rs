//! Address checks for rotator connections, applied after the allow-list.
//!
//! A name on the allow-list is only as safe as the addresses it resolves to, so
//! the host resolves it itself and rejects addresses that no rotator should
//! reach: cloud metadata services, link-local, multicast and unspecified
//! addresses, and loopback unless the allow-list names the host literally.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::allow_list::Match;

/// Reason a resolved address was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EgressDenied {
    NotAllowListed,
    Blocked { address: IpAddr, reason: &'static str },
    Unresolvable(String),
}

impl std::fmt::Display for EgressDenied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotAllowListed => f.write_str("the host is not on the rotator's allow-list"),
            Self::Blocked { address, reason } => {
                let article = if reason.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                write!(f, "the host resolves to {address}, which is {article} {reason} address that rotators may not reach")
            }
            Self::Unresolvable(message) => write!(f, "the host name could not be resolved: {message}"),
        }
    }
}

/// Classifies an address that is blocked whatever the allow-list contains.
/// Returns `None` for addresses that are reachable.
pub fn always_blocked(address: IpAddr) -> Option<&'static str> {
    match address.to_canonical() {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(address: Ipv4Addr) -> Option<&'static str> {
    if address.is_unspecified() {
        return Some("unspecified");
    }
    if address.is_link_local() {
        // 169.254.0.0/16 contains the AWS, GCP and Azure metadata endpoint 169.254.169.254.
        return Some("link-local (metadata service)");
    }
    if address.is_multicast() || address.is_broadcast() {
        return Some("multicast or broadcast");
    }
    if address == Ipv4Addr::new(100, 100, 100, 200) {
        return Some("metadata service");
    }
    None
}

fn blocked_v6(address: Ipv6Addr) -> Option<&'static str> {
    // 64:ff9b::/96 is the NAT64 prefix: the last 32 bits are an IPv4 address
    // that a NAT64 gateway dials, so the IPv4 rules apply to it.
    let segments = address.segments();
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let octets = address.octets();
        return blocked_v4(Ipv4Addr::new(octets[12], octets[13], octets[14], octets[15]));
    }
    if address.is_unspecified() {
        return Some("unspecified");
    }
    if address.is_multicast() {
        return Some("multicast");
    }
    if (address.segments()[0] & 0xffc0) == 0xfe80 {
        return Some("link-local");
    }
    // fd00:ec2::254 is the IPv6 address of the EC2 instance metadata service.
    if address == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        return Some("metadata service");
    }
    None
}

/// Resolves `host:port` and checks every address. Fails closed: one blocked
/// address rejects the host, because the database driver picks the address
/// it dials.
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allow: Match,
) -> Result<Vec<SocketAddr>, EgressDenied> {
    if allow == Match::Denied {
        return Err(EgressDenied::NotAllowListed);
    }
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|error| EgressDenied::Unresolvable(error.to_string()))?
            .collect(),
    };
    check_resolved(&addresses, allow)?;
    Ok(addresses)
}

/// Checks addresses that a host name resolved to. Fails closed: one blocked
/// address rejects them all.
pub fn check_resolved(addresses: &[SocketAddr], allow: Match) -> Result<(), EgressDenied> {
    if allow == Match::Denied {
        return Err(EgressDenied::NotAllowListed);
    }
    if addresses.is_empty() {
        return Err(EgressDenied::Unresolvable("no addresses".to_string()));
    }
    for address in addresses {
        let ip = address.ip().to_canonical();
        if let Some(reason) = always_blocked(ip) {
            return Err(EgressDenied::Blocked { address: ip, reason });
        }
        if ip.is_loopback() && allow != Match::Exact {
            return Err(EgressDenied::Blocked {
                address: ip,
                reason: "loopback (list the host literally to allow it)",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_addresses_are_blocked() {
        assert!(always_blocked("169.254.169.254".parse().unwrap()).is_some());
        assert!(always_blocked("fd00:ec2::254".parse().unwrap()).is_some());
        assert!(always_blocked("::ffff:169.254.169.254".parse().unwrap()).is_some());
        assert!(always_blocked("64:ff9b::a9fe:a9fe".parse().unwrap()).is_some());
    }

    #[test]
    fn private_addresses_are_reachable() {
        assert_eq!(always_blocked("10.0.0.5".parse().unwrap()), None);
        assert_eq!(always_blocked("192.168.1.10".parse().unwrap()), None);
    }

    #[tokio::test]
    async fn loopback_needs_an_exact_entry() {
        let denied = resolve_checked("127.0.0.1", 5432, Match::Wildcard).await;
        assert!(matches!(denied, Err(EgressDenied::Blocked { .. })));
        let allowed = resolve_checked("127.0.0.1", 5432, Match::Exact).await;
        assert!(allowed.is_ok());
    }

    #[tokio::test]
    async fn unlisted_host_is_denied() {
        let denied = resolve_checked("127.0.0.1", 5432, Match::Denied).await;
        assert_eq!(denied, Err(EgressDenied::NotAllowListed));
    }
}
