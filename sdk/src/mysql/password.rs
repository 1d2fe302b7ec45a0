//! Password-change statements in the syntax each server version accepts.

use super::ServerVersion;
use super::server::Flavor;
use crate::RotationError;

/// Authentication plugins that check a password, so a rotator can give their
/// accounts a new one. Other plugins (`unix_socket`, `auth_socket`, PAM,
/// GSSAPI) authenticate without a password.
pub const PASSWORD_PLUGINS: &[&str] = &[
    "mysql_native_password",
    "caching_sha2_password",
    "sha256_password",
    "ed25519",
    "parsec",
];

/// Builds the `IDENTIFIED ...` clause that sets `password_literal` (already
/// quoted with [`super::quote_string`]) under authentication plugin `plugin`,
/// so a new or changed account keeps the plugin family of its original.
/// `None` or an empty plugin means the server's default.
///
/// MySQL takes `IDENTIFIED WITH <plugin> BY '...'`. MariaDB takes
/// `IDENTIFIED BY '...'` for `mysql_native_password` and
/// `IDENTIFIED VIA <plugin> USING PASSWORD('...')` (10.4 and later) for the
/// others.
///
/// # Errors
///
/// Returns `RotationError::InvalidSecret` for a plugin that does not check a
/// password.
pub fn identified_clause(
    version: &ServerVersion,
    plugin: Option<&str>,
    password_literal: &str,
) -> Result<String, RotationError> {
    let plugin = plugin.map(str::trim).filter(|name| !name.is_empty());
    let Some(plugin) = plugin else {
        return Ok(format!("IDENTIFIED BY {password_literal}"));
    };
    let Some(known) = PASSWORD_PLUGINS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(plugin))
    else {
        return Err(RotationError::InvalidSecret(format!(
            "the account uses the authentication plugin {plugin}, which does not check a \
             password; the rotator supports {}",
            PASSWORD_PLUGINS.join(", ")
        )));
    };
    Ok(match version.flavor {
        Flavor::MySql => format!("IDENTIFIED WITH {known} BY {password_literal}"),
        Flavor::MariaDb if *known == "mysql_native_password" => {
            format!("IDENTIFIED BY {password_literal}")
        }
        Flavor::MariaDb => format!("IDENTIFIED VIA {known} USING PASSWORD({password_literal})"),
    })
}

/// Builds `SET PASSWORD FOR <account> = ...`: with `PASSWORD()` on MariaDB
/// and MySQL before 5.7.6, and with the plain string on later MySQL, which
/// removed the function in 8.0. An account may run it on itself without the
/// CREATE USER privilege.
pub fn set_password_statement(
    version: &ServerVersion,
    account: &str,
    password_literal: &str,
) -> String {
    if version.set_password_needs_function() {
        format!("SET PASSWORD FOR {account} = PASSWORD({password_literal})")
    } else {
        format!("SET PASSWORD FOR {account} = {password_literal}")
    }
}

/// Builds the statement that gives `account` a new password:
/// `ALTER USER <account> IDENTIFIED ...` where the server supports it (MySQL
/// 5.7.6 and later, MariaDB 10.2 and later) and [`set_password_statement`]
/// on older servers.
///
/// # Errors
///
/// Returns the error of [`identified_clause`].
pub fn change_password_statement(
    version: &ServerVersion,
    account: &str,
    plugin: Option<&str>,
    password_literal: &str,
) -> Result<String, RotationError> {
    if version.supports_alter_user() {
        let clause = identified_clause(version, plugin, password_literal)?;
        Ok(format!("ALTER USER {account} {clause}"))
    } else {
        Ok(set_password_statement(version, account, password_literal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> ServerVersion {
        ServerVersion::parse(text).unwrap()
    }

    #[test]
    fn mysql8_uses_alter_user_with_plugin() {
        let statement = change_password_statement(
            &version("8.0.36"),
            "'a'@'%'",
            Some("caching_sha2_password"),
            "'pw'",
        )
        .unwrap();
        assert_eq!(
            statement,
            "ALTER USER 'a'@'%' IDENTIFIED WITH caching_sha2_password BY 'pw'"
        );
    }

    #[test]
    fn mariadb_native_uses_plain_identified_by() {
        let statement = change_password_statement(
            &version("10.11.6-MariaDB"),
            "'a'@'%'",
            Some("mysql_native_password"),
            "'pw'",
        )
        .unwrap();
        assert_eq!(statement, "ALTER USER 'a'@'%' IDENTIFIED BY 'pw'");
    }

    #[test]
    fn mariadb_ed25519_keeps_its_plugin() {
        let statement = change_password_statement(
            &version("10.11.6-MariaDB"),
            "'a'@'%'",
            Some("ed25519"),
            "'pw'",
        )
        .unwrap();
        assert_eq!(
            statement,
            "ALTER USER 'a'@'%' IDENTIFIED VIA ed25519 USING PASSWORD('pw')"
        );
    }

    #[test]
    fn old_servers_use_set_password() {
        let mysql56 =
            change_password_statement(&version("5.6.51"), "'a'@'%'", None, "'pw'").unwrap();
        assert_eq!(mysql56, "SET PASSWORD FOR 'a'@'%' = PASSWORD('pw')");
        let mariadb101 =
            change_password_statement(&version("10.1.48-MariaDB"), "'a'@'%'", None, "'pw'")
                .unwrap();
        assert_eq!(mariadb101, "SET PASSWORD FOR 'a'@'%' = PASSWORD('pw')");
    }

    #[test]
    fn mysql8_set_password_has_no_function() {
        let statement = set_password_statement(&version("8.4.0"), "'a'@'%'", "'pw'");
        assert_eq!(statement, "SET PASSWORD FOR 'a'@'%' = 'pw'");
    }

    #[test]
    fn socket_plugin_is_rejected() {
        let error = identified_clause(&version("10.11.6-MariaDB"), Some("unix_socket"), "'pw'")
            .unwrap_err();
        assert!(matches!(error, RotationError::InvalidSecret(_)));
    }
}
