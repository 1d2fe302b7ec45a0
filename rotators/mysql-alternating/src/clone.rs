//! Brings the other account of the pair in line with the current one.

use tumbler_sdk::mysql::{self, Account, Connection, Flavor, GrantRow, ServerInfo};
use tumbler_sdk::{RotationError, log};

/// Makes `target` a copy of `source` with the password `password`: creates
/// it when missing, replaces its grants and TLS requirements with those of
/// `source`, and sets the password. Runs as the administrator.
pub fn sync_account(
    connection: &Connection,
    server: &ServerInfo,
    source: &Account,
    target: &Account,
    password: &str,
) -> Result<(), RotationError> {
    let escapes = server.escapes;
    let source_quoted = source.quoted(escapes)?;
    let target_quoted = target.quoted(escapes)?;
    let password = mysql::quote_string(password, escapes)?;
    let plugin = mysql::account_plugin(connection, source)?;

    // Parse every row before the first change, so an unknown row form stops
    // the rotation with nothing half-copied.
    let source_grants = mysql::show_grants(connection, source, &source_quoted)?
        .iter()
        .map(|row| mysql::parse_grant_row(row))
        .collect::<Result<Vec<_>, _>>()?;
    let require = if server.version.supports_alter_user() {
        let create_user = mysql::show_create_user(connection, source, &source_quoted)?;
        Some(mysql::require_clause(&create_user))
    } else {
        None
    };

    let exists = mysql::account_hosts(connection, &target.user)
        .map_err(|error| mysql::map_error(error, &format!("looking up {target}")))?
        .iter()
        .any(|host| *host == target.host);
    if !exists {
        let identified = if server.version.supports_alter_user() {
            mysql::identified_clause(&server.version, plugin.as_deref(), &password)?
        } else {
            format!("IDENTIFIED BY {password}")
        };
        run_secret(
            connection,
            &format!("CREATE USER {target_quoted} {identified}"),
            &format!("creating {target}"),
        )?;
        log::info(&format!("setSecret: created {target} like {source}"));
    }

    replace_grants(connection, server, target, &target_quoted, &source_grants)?;

    if let Some(require) = require {
        run(
            connection,
            &format!("ALTER USER {target_quoted} REQUIRE {require}"),
            &format!("copying the TLS requirement of {source} to {target}"),
        )?;
    } else {
        // NOTE: servers without SHOW CREATE USER (MySQL before 5.7.6, MariaDB
        // before 10.2) keep the clone's TLS requirement as it is.
        log::warn(&format!(
            "setSecret: {} has no SHOW CREATE USER; the TLS requirement of {source} was not copied",
            server.version.text
        ));
    }

    let statement = mysql::change_password_statement(
        &server.version,
        &target_quoted,
        plugin.as_deref(),
        &password,
    )?;
    run_secret(
        connection,
        &statement,
        &format!("setting the password of {target}"),
    )
}

/// Revokes every privilege and role of `target`, then issues the grants of
/// the source account for it.
fn replace_grants(
    connection: &Connection,
    server: &ServerInfo,
    target: &Account,
    target_quoted: &str,
    source_grants: &[GrantRow],
) -> Result<(), RotationError> {
    let context = format!("replacing the grants of {target}");
    run(
        connection,
        &format!("REVOKE ALL PRIVILEGES, GRANT OPTION FROM {target_quoted}"),
        &context,
    )?;
    // The target's own rows are parsed leniently: only its role grants
    // matter here, and REVOKE ALL above removed everything else.
    for row in mysql::show_grants(connection, target, target_quoted)? {
        if let Ok(GrantRow::Roles { roles, .. }) = mysql::parse_grant_row(&row) {
            run(
                connection,
                &format!("REVOKE {roles} FROM {target_quoted}"),
                &context,
            )?;
        }
    }

    let mut has_default_role = false;
    for grant in source_grants {
        has_default_role |= matches!(grant, GrantRow::DefaultRole { .. });
        run(connection, &grant.statement_for(target_quoted), &context)?;
    }
    if !has_default_role && server.version.flavor == Flavor::MariaDb {
        run(
            connection,
            &format!("SET DEFAULT ROLE NONE FOR {target_quoted}"),
            &context,
        )?;
    }
    log::info(&format!(
        "setSecret: issued {} grant statements for {target}",
        source_grants.len()
    ));
    Ok(())
}

/// Runs a statement that carries no secret; the server's message is kept.
fn run(connection: &Connection, statement: &str, context: &str) -> Result<(), RotationError> {
    connection
        .execute_batch(statement)
        .map_err(|error| mysql::map_error(error, context))
}

/// Runs a statement that carries a password; only the error number is kept.
fn run_secret(
    connection: &Connection,
    statement: &str,
    context: &str,
) -> Result<(), RotationError> {
    connection
        .execute_batch(statement)
        .map_err(|error| mysql::map_error_redacted(error, context))
}
