//! Outbound network policy for rotators: which database servers a rotator may
//! connect to.
//!
//! Entries have the form `scheme://host[:port]`. The host is a DNS name, an IP
//! address, `*` or `*.suffix`. The port is a number or `*`, and defaults to the
//! scheme's standard port. An empty list denies everything.

use std::fmt;
use std::net::IpAddr;

use thiserror::Error;

/// An allow-list entry that could not be parsed.
#[derive(Debug, Error)]
#[error("invalid allow-list entry {entry:?}: {reason}; expected scheme://host[:port], for example postgres://db.internal:5432")]
pub struct AllowListError {
    pub entry: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    Any,
    Suffix(String),
    Exact(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PortPattern {
    Any,
    Exact(u16),
}

/// One parsed `scheme://host[:port]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: String,
    host: HostPattern,
    port: PortPattern,
}

impl AllowedHost {
    /// Parses one entry, such as `postgres://127.0.0.1:5432` or `postgres://*.db.internal`.
    pub fn parse(entry: &str) -> Result<Self, AllowListError> {
        let invalid = |reason| AllowListError {
            entry: entry.to_string(),
            reason,
        };
        let (scheme, rest) = entry.split_once("://").ok_or_else(|| invalid("missing scheme"))?;
        // `postgresql` is libpq's alternative spelling of the scheme.
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "postgresql" => "postgres".to_string(),
            other => other.to_string(),
        };
        let default_port = default_port(&scheme).ok_or_else(|| invalid("unknown scheme"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Err(invalid("missing host"));
        }
        if rest.contains(['/', '@', '?', '#']) || rest.chars().any(char::is_whitespace) {
            return Err(invalid("paths, credentials and query strings are not allowed"));
        }

        let (host, port) = split_host_port(rest).ok_or_else(|| invalid("malformed host or port"))?;
        let port = match port {
            None => PortPattern::Exact(default_port),
            Some("*") => PortPattern::Any,
            Some(text) => match text.parse::<u16>() {
                Ok(0) | Err(_) => return Err(invalid("port must be 1-65535 or *")),
                Ok(number) => PortPattern::Exact(number),
            },
        };
        let host = host.to_ascii_lowercase();
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            if suffix.is_empty() || suffix.contains('*') {
                return Err(invalid("only a leading *. wildcard is allowed"));
            }
            HostPattern::Suffix(format!(".{suffix}"))
        } else if host.contains('*') {
            return Err(invalid("only a leading *. wildcard is allowed"));
        } else {
            HostPattern::Exact(normalize_host(&host))
        };
        Ok(Self { scheme, host, port })
    }

    fn matches(&self, scheme: &str, host: &str, port: u16) -> bool {
        if self.scheme != scheme {
            return false;
        }
        let port_matches = match self.port {
            PortPattern::Any => true,
            PortPattern::Exact(allowed) => allowed == port,
        };
        let host_matches = match &self.host {
            HostPattern::Any => true,
            HostPattern::Suffix(suffix) => host.ends_with(suffix.as_str()),
            HostPattern::Exact(allowed) => allowed == host,
        };
        port_matches && host_matches
    }

    /// Returns whether this entry names the host literally (not through a wildcard).
    /// Loopback addresses are reachable only through such entries.
    fn names_exactly(&self, host: &str) -> bool {
        matches!(&self.host, HostPattern::Exact(allowed) if allowed == host)
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.host {
            HostPattern::Any => "*".to_string(),
            HostPattern::Suffix(suffix) => format!("*{suffix}"),
            HostPattern::Exact(host) if host.contains(':') => format!("[{host}]"),
            HostPattern::Exact(host) => host.clone(),
        };
        match self.port {
            PortPattern::Any => write!(f, "{}://{host}:*", self.scheme),
            PortPattern::Exact(port) => write!(f, "{}://{host}:{port}", self.scheme),
        }
    }
}

/// A rotator's allow-list. Deny by default.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    entries: Vec<AllowedHost>,
}

/// Result of matching a host name against the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// No entry matches.
    Denied,
    /// A wildcard entry matches; loopback addresses stay blocked.
    Wildcard,
    /// An entry names this host literally; loopback addresses are allowed.
    Exact,
}

impl AllowList {
    pub fn parse<I, S>(entries: I) -> Result<Self, AllowListError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries = entries
            .into_iter()
            .map(|entry| AllowedHost::parse(entry.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { entries })
    }

    pub fn extend(&mut self, other: &AllowList) {
        for entry in &other.entries {
            if !self.entries.contains(entry) {
                self.entries.push(entry.clone());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks `scheme://host:port`; `host` is compared case-insensitively.
    pub fn check(&self, scheme: &str, host: &str, port: u16) -> Match {
        let host = normalize_host(host);
        let matching = self
            .entries
            .iter()
            .filter(|entry| entry.matches(scheme, &host, port));
        let mut result = Match::Denied;
        for entry in matching {
            if entry.names_exactly(&host) {
                return Match::Exact;
            }
            result = Match::Wildcard;
        }
        result
    }
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("(empty)");
        }
        let listed: Vec<String> = self.entries.iter().map(ToString::to_string).collect();
        f.write_str(&listed.join(", "))
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "postgres" | "postgresql" => Some(5432),
        "mysql" => Some(3306),
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match text.rsplit_once(':') {
        Some((host, _)) if host.contains(':') => Some((text, None)),
        Some((host, port)) if !host.is_empty() => Some((host, Some(port))),
        Some(_) => None,
        None => Some((text, None)),
    }
}

/// Writes `scheme://host:port` with IPv6 addresses in brackets, the form an
/// allow-list entry takes.
pub fn format_entry(scheme: &str, host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("{scheme}://[{host}]:{port}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

/// Lower-cases names and writes IP addresses in canonical form.
pub fn normalize_host(host: &str) -> String {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    match trimmed.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().to_string(),
        Err(_) => trimmed.trim_end_matches('.').to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::parse(entries).expect("valid entries")
    }

    #[test]
    fn empty_list_denies() {
        assert_eq!(AllowList::default().check("postgres", "db", 5432), Match::Denied);
    }

    #[test]
    fn exact_entry_uses_default_port() {
        let allow = list(&["postgres://db.internal"]);
        assert_eq!(allow.check("postgres", "db.internal", 5432), Match::Exact);
        assert_eq!(allow.check("postgres", "db.internal", 5433), Match::Denied);
    }

    #[test]
    fn host_comparison_ignores_case() {
        let allow = list(&["postgres://DB.Internal:5432"]);
        assert_eq!(allow.check("postgres", "db.INTERNAL", 5432), Match::Exact);
    }

    #[test]
    fn scheme_must_match() {
        let allow = list(&["mysql://db:3306"]);
        assert_eq!(allow.check("postgres", "db", 3306), Match::Denied);
    }

    #[test]
    fn suffix_wildcard_matches_subdomains_only() {
        let allow = list(&["postgres://*.db.internal:*"]);
        assert_eq!(allow.check("postgres", "a.db.internal", 6000), Match::Wildcard);
        assert_eq!(allow.check("postgres", "db.internal", 5432), Match::Denied);
        assert_eq!(allow.check("postgres", "evildb.internal", 5432), Match::Denied);
    }

    #[test]
    fn ipv6_entries_parse() {
        let allow = list(&["postgres://[::1]:5432"]);
        assert_eq!(allow.check("postgres", "::1", 5432), Match::Exact);
        assert_eq!(allow.check("postgres", "[0:0:0:0:0:0:0:1]", 5432), Match::Exact);
    }

    #[test]
    fn malformed_entries_are_rejected() {
        for entry in [
            "db:5432",
            "ftp://db",
            "postgres://",
            "postgres://user@db",
            "postgres://db/path",
            "postgres://db:0",
            "postgres://db:99999",
            "postgres://d*b",
            "postgres://*.",
        ] {
            assert!(AllowedHost::parse(entry).is_err(), "{entry} should be rejected");
        }
    }

    #[test]
    fn equivalent_spellings_match() {
        for entry in [
            "postgresql://127.0.0.1:5432",
            "postgres://[::ffff:127.0.0.1]:5432",
            "postgres://127.0.0.1.:5432",
        ] {
            let allow = list(&[entry]);
            assert_eq!(allow.check("postgres", "127.0.0.1", 5432), Match::Exact, "{entry}");
        }
        let allow = list(&["postgres://[0:0:0:0:0:0:0:1]"]);
        assert_eq!(allow.check("postgres", "::1", 5432), Match::Exact);
        let allow = list(&["postgres://localhost."]);
        assert_eq!(allow.check("postgres", "localhost", 5432), Match::Exact);
    }

    #[test]
    fn display_round_trips() {
        let entry = AllowedHost::parse("postgres://127.0.0.1").unwrap();
        assert_eq!(entry.to_string(), "postgres://127.0.0.1:5432");
    }
}
