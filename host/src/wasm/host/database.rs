//! Checks and limits shared by the database interfaces (`postgres`, `mysql`):
//! the connection cap, the allow-list and address checks on the target, the
//! statement timeouts and the caps on result size.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::wasm::allow_list::{AllowList, format_entry, normalize_host};
use crate::wasm::egress::resolve_checked;
use crate::wasm::limits::StepLimits;

/// A database server that passed the allow-list and address checks.
#[derive(Clone, Debug)]
pub struct CheckedTarget {
    /// The host name or IP address in canonical form.
    pub host: String,
    /// The resolved addresses, all of them allowed.
    pub addresses: Vec<SocketAddr>,
}

impl CheckedTarget {
    /// Returns the host to hand to the driver: the first checked address, so a
    /// second DNS answer cannot redirect the connection, or the name itself
    /// when the TLS mode verifies the certificate against the name.
    pub fn dial_host(&self, verifies_name: bool) -> String {
        if verifies_name {
            self.host.clone()
        } else {
            self.addresses[0].ip().to_string()
        }
    }
}

/// Returns an error message when the step already has the maximum number of
/// open database connections.
pub fn check_connection_cap(open_connections: usize, limits: &StepLimits) -> Result<(), String> {
    if open_connections >= limits.max_connections {
        return Err(format!(
            "a step may open at most {} database connections",
            limits.max_connections
        ));
    }
    Ok(())
}

/// Validates the host, port and the other text fields of a connection
/// request, checks `scheme://host:port` against the allow-list, and resolves
/// the host with the address checks of [`resolve_checked`]. `engine` names
/// the database in messages, for example `PostgreSQL`.
///
/// Returns the reason as text when the connection is not allowed.
pub async fn check_target(
    allow_list: &AllowList,
    scheme: &str,
    engine: &str,
    host: &str,
    port: u16,
    fields: &[(&str, &str)],
) -> Result<CheckedTarget, String> {
    let host = host.trim();
    if host.is_empty() {
        return Err("the connection host is empty".to_string());
    }
    if host.starts_with('/') || host.contains(['\0', '@', '/', ' ']) {
        return Err(format!(
            "host {host:?} is not a network host name; Unix sockets and URLs are not allowed"
        ));
    }
    if port == 0 {
        return Err(format!("port 0 is not a valid {engine} port"));
    }
    for (field, value) in fields {
        if value.contains('\0') {
            return Err(format!("the {field} contains a NUL character"));
        }
    }

    let host = normalize_host(host);
    if host.contains(':') && host.parse::<IpAddr>().is_err() {
        return Err(format!(
            "host {host:?} is not a host name or IP address; put the port in the secret's port field"
        ));
    }
    let allowed = allow_list.check(scheme, &host, port);
    let entry = format_entry(scheme, &host, port);
    let addresses = resolve_checked(&host, port, allowed).await.map_err(|denied| {
        format!(
            "connection to {entry} denied: {denied}. Allowed: {allow_list}. Add the server with \
             --allow-host {entry} or in tumbler.toml"
        )
    })?;
    Ok(CheckedTarget { host, addresses })
}

/// Returns the statement timeout that the server should enforce. The server
/// must give up on a statement before the host gives up on the step: a
/// statement still queued behind a lock when the host stops waiting would
/// otherwise commit after the step was reported as failed.
pub fn server_statement_timeout(limits: &StepLimits) -> Duration {
    limits
        .statement_timeout
        .min(limits.step_timeout / 2)
        .max(Duration::from_millis(1))
}

/// Runs `future` with the host's own bound on a statement: the server's
/// statement timeout plus 5 seconds, which also covers a server that stops
/// responding. Returns `None` when the bound expires.
pub async fn with_host_timeout<F, T>(limits: &StepLimits, future: F) -> Option<T>
where
    F: Future<Output = T>,
{
    tokio::time::timeout(limits.statement_timeout + Duration::from_secs(5), future)
        .await
        .ok()
}

/// Counts the rows and bytes of one result against the step's caps.
#[derive(Debug)]
pub struct ResultBudget {
    max_bytes: usize,
    used_bytes: usize,
}

/// A result exceeded the row or byte cap.
#[derive(Debug, PartialEq, Eq)]
pub struct TooLarge;

impl ResultBudget {
    /// Starts a budget for a result of `rows` rows; fails when that alone
    /// exceeds the row cap.
    pub fn new(limits: &StepLimits, rows: usize) -> Result<Self, TooLarge> {
        if rows > limits.max_rows {
            return Err(TooLarge);
        }
        Ok(Self {
            max_bytes: limits.max_result_bytes,
            used_bytes: 0,
        })
    }

    /// Adds one value of `bytes` bytes; fails once the total exceeds the cap.
    pub fn add(&mut self, bytes: usize) -> Result<(), TooLarge> {
        self.used_bytes = self.used_bytes.saturating_add(bytes);
        if self.used_bytes > self.max_bytes {
            return Err(TooLarge);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> StepLimits {
        StepLimits {
            max_rows: 2,
            max_result_bytes: 10,
            ..StepLimits::default()
        }
    }

    #[test]
    fn budget_rejects_too_many_rows() {
        assert_eq!(ResultBudget::new(&limits(), 3).unwrap_err(), TooLarge);
    }

    #[test]
    fn budget_rejects_too_many_bytes() {
        let mut budget = ResultBudget::new(&limits(), 2).unwrap();
        assert_eq!(budget.add(10), Ok(()));
        assert_eq!(budget.add(1), Err(TooLarge));
    }

    #[test]
    fn statement_timeout_stays_below_half_the_step() {
        let limits = StepLimits {
            statement_timeout: Duration::from_secs(15),
            step_timeout: Duration::from_secs(10),
            ..StepLimits::default()
        };
        assert_eq!(server_statement_timeout(&limits), Duration::from_secs(5));
    }

    #[tokio::test]
    async fn unlisted_target_is_denied_with_the_fix() {
        let error = check_target(
            &AllowList::default(),
            "mysql",
            "MySQL",
            "127.0.0.1",
            3306,
            &[],
        )
        .await
        .unwrap_err();
        assert!(
            error.contains("--allow-host mysql://127.0.0.1:3306"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn socket_path_is_rejected() {
        let allow = AllowList::parse(["mysql://*:*"]).unwrap();
        let error = check_target(&allow, "mysql", "MySQL", "/var/run/mysqld.sock", 3306, &[])
            .await
            .unwrap_err();
        assert!(error.contains("Unix sockets"), "{error}");
    }

    #[tokio::test]
    async fn nul_in_a_field_is_rejected() {
        let allow = AllowList::parse(["mysql://127.0.0.1:3306"]).unwrap();
        let error = check_target(
            &allow,
            "mysql",
            "MySQL",
            "127.0.0.1",
            3306,
            &[("user", "a\0b")],
        )
        .await
        .unwrap_err();
        assert!(error.contains("user"), "{error}");
    }
}
