//! Account lookups: which `'user'@'host'` accounts exist for a user name.

use super::{Connection, Error, MysqlValue, StringEscapes, map_error, quote_account, value_text};
use crate::RotationError;

/// Server error number when the connection lacks SELECT on a table
/// (`ER_TABLEACCESS_DENIED_ERROR`), as for `mysql.user` without privileges.
const TABLE_ACCESS_DENIED: u16 = 1142;

/// A MySQL account: user name and host part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub host: String,
}

impl Account {
    pub fn new(user: &str, host: &str) -> Self {
        Self {
            user: user.to_string(),
            host: host.to_string(),
        }
    }

    /// Returns the quoted `'user'@'host'` form; see [`quote_account`].
    pub fn quoted(&self, escapes: StringEscapes) -> Result<String, RotationError> {
        quote_account(&self.user, &self.host, escapes)
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}'@'{}'", self.user, self.host)
    }
}

/// Returns the host parts of every account named `user`, sorted, from
/// `SELECT Host FROM mysql.user WHERE User = ?`. Returns the host error
/// unchanged so callers can tell a missing privilege (error 1142) apart.
pub fn account_hosts(connection: &Connection, user: &str) -> Result<Vec<String>, Error> {
    let rows = connection.query(
        "SELECT Host FROM mysql.user WHERE User = ?",
        &[MysqlValue::Text(user.to_string())],
    )?;
    let mut hosts: Vec<String> = rows
        .rows
        .iter()
        .filter_map(|row| row.first().and_then(value_text))
        .collect();
    hosts.sort();
    Ok(hosts)
}

/// Returns the account the server matched for this login, from
/// `SELECT CURRENT_USER()`, which needs no privileges.
pub fn current_account(connection: &Connection) -> Result<Account, RotationError> {
    let rows = connection
        .query("SELECT CURRENT_USER()", &[])
        .map_err(|error| map_error(error, "reading CURRENT_USER()"))?;
    let text = rows
        .rows
        .first()
        .and_then(|row| row.first())
        .and_then(value_text)
        .unwrap_or_default();
    // The host part never contains `@`, while a user name may.
    let Some((user, host)) = text.rsplit_once('@') else {
        return Err(RotationError::Other(format!(
            "CURRENT_USER() returned {text:?}, which is not user@host"
        )));
    };
    Ok(Account::new(user, host))
}

/// Finds the host part of the account named `user`.
///
/// With `named` (the secret's `host_part` key) the account `'user'@'named'`
/// must exist. Without it, `user` must have exactly one account. Several
/// accounts with different host parts are ambiguous, because changing one of
/// them would leave the others on the old password. Returns `Ok(None)` when
/// the connection may not read `mysql.user` and no host part is named.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` when the account does not exist or
/// the match is ambiguous, and the mapped host error for other failures.
pub fn resolve_host_part(
    connection: &Connection,
    user: &str,
    named: Option<&str>,
) -> Result<Option<String>, RotationError> {
    let hosts = match account_hosts(connection, user) {
        Ok(hosts) => hosts,
        Err(Error::QueryFailed(db)) if db.code == TABLE_ACCESS_DENIED => {
            return Ok(named.map(str::to_string));
        }
        Err(error) => {
            return Err(map_error(
                error,
                &format!("looking up the accounts of {user}"),
            ));
        }
    };
    match named {
        Some(host) if hosts.iter().any(|known| known == host) => Ok(Some(host.to_string())),
        Some(host) => Err(RotationError::InvalidSecret(format!(
            "account '{user}'@'{host}' named by the secret's host_part does not exist; \
             the accounts of {user} have the host parts: {}",
            list_or_none(&hosts)
        ))),
        None => match hosts.as_slice() {
            [host] => Ok(Some(host.clone())),
            [] => Err(RotationError::InvalidSecret(format!(
                "no MySQL account has the user name {user}"
            ))),
            _ => Err(RotationError::InvalidSecret(format!(
                "user {user} has several accounts with the host parts {}; add the key host_part \
                 to the secret to name the one to rotate",
                list_or_none(&hosts)
            ))),
        },
    }
}

/// Returns the authentication plugin of `account` from `mysql.user`, or
/// `None` when the connection may not read that table or the column is
/// empty.
pub fn account_plugin(
    connection: &Connection,
    account: &Account,
) -> Result<Option<String>, RotationError> {
    let rows = connection.query(
        "SELECT plugin FROM mysql.user WHERE User = ? AND Host = ?",
        &[
            MysqlValue::Text(account.user.clone()),
            MysqlValue::Text(account.host.clone()),
        ],
    );
    let rows = match rows {
        Ok(rows) => rows,
        Err(Error::QueryFailed(db)) if db.code == TABLE_ACCESS_DENIED => return Ok(None),
        Err(error) => {
            return Err(map_error(
                error,
                &format!("reading the authentication plugin of {account}"),
            ));
        }
    };
    Ok(rows
        .rows
        .first()
        .and_then(|row| row.first())
        .and_then(value_text)
        .filter(|plugin| !plugin.is_empty()))
}

/// Returns the rows of `SHOW GRANTS FOR <account>`; `quoted` is the output
/// of [`Account::quoted`].
pub fn show_grants(
    connection: &Connection,
    account: &Account,
    quoted: &str,
) -> Result<Vec<String>, RotationError> {
    let rows = connection
        .query(&format!("SHOW GRANTS FOR {quoted}"), &[])
        .map_err(|error| map_error(error, &format!("reading the grants of {account}")))?;
    Ok(rows
        .rows
        .iter()
        .filter_map(|row| row.first().and_then(value_text))
        .collect())
}

/// Returns the text of `SHOW CREATE USER <account>` (MySQL 5.7.6 and later,
/// MariaDB 10.2 and later). The text contains the password hash, so it must
/// not be logged.
pub fn show_create_user(
    connection: &Connection,
    account: &Account,
    quoted: &str,
) -> Result<String, RotationError> {
    let rows = connection
        .query(&format!("SHOW CREATE USER {quoted}"), &[])
        .map_err(|error| map_error(error, &format!("reading SHOW CREATE USER of {account}")))?;
    rows.rows
        .first()
        .and_then(|row| row.first())
        .and_then(value_text)
        .ok_or_else(|| RotationError::Other(format!("SHOW CREATE USER {account} returned no row")))
}

fn list_or_none(hosts: &[String]) -> String {
    if hosts.is_empty() {
        return "(none)".to_string();
    }
    hosts
        .iter()
        .map(|host| format!("'{host}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_display_and_quoting() {
        let account = Account::new("app", "10.%");
        assert_eq!(account.to_string(), "'app'@'10.%'");
        assert_eq!(
            account.quoted(StringEscapes::Backslash).unwrap(),
            "'app'@'10.%'"
        );
    }

    #[test]
    fn host_list_formatting() {
        assert_eq!(list_or_none(&[]), "(none)");
        let hosts = vec!["%".to_string(), "localhost".to_string()];
        assert_eq!(list_or_none(&hosts), "'%', 'localhost'");
    }
}
