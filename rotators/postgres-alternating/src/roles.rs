//! SQL for the two login roles of a pair and their shared owner role.
//!
//! The base role (`app`) owns the objects and receives the grants. The clone
//! (`app_clone`) is a member of the base role, and its login sessions run as
//! the base role through `ALTER ROLE app_clone SET role = 'app'`. So both
//! users own and can use every object either one creates, and the clone has
//! exactly the base role's privileges however they change.

use tumbler_sdk::alternating::{base_username, clone_username};
use tumbler_sdk::pg::{self, Connection, PgValue};
use tumbler_sdk::{DatabaseSecret, RotationError};

/// Maximum number of objects that an ownership error lists by name.
const MAX_LISTED_OBJECTS: i64 = 5;

/// Builds the statements that give `pending` its new password and tie the
/// clone to the base role. They run as one simple-protocol query, which
/// PostgreSQL executes as one transaction.
///
/// `clone_exists` is whether the clone role exists before the statements
/// run. A missing clone is created only when it is the pending user; the base
/// role must always exist.
///
/// # Errors
///
/// Returns `InvalidSecret` when a name or the password cannot be quoted.
pub fn password_statements(
    pending: &DatabaseSecret,
    clone_exists: bool,
) -> Result<String, RotationError> {
    let base = base_username(&pending.username);
    let clone = clone_username(&pending.username);
    let base_ident = pg::quote_ident(base)?;
    let clone_ident = pg::quote_ident(&clone)?;
    let pending_ident = pg::quote_ident(&pending.username)?;
    let password = pg::quote_literal(&pending.password)?;

    let mut statements = Vec::new();
    if pending.username == clone && !clone_exists {
        statements.push(format!("CREATE ROLE {clone_ident} WITH LOGIN PASSWORD {password}"));
    } else {
        statements.push(format!("ALTER ROLE {pending_ident} WITH LOGIN PASSWORD {password}"));
    }
    if pending.username == clone || clone_exists {
        statements.push(format!("GRANT {base_ident} TO {clone_ident}"));
        statements.push(format!(
            "ALTER ROLE {clone_ident} SET role = {}",
            pg::quote_literal(base)?
        ));
    }
    Ok(statements.join(";\n"))
}

/// Reports whether a role named `name` exists.
pub fn role_exists(connection: &Connection, name: &str) -> Result<bool, RotationError> {
    let rows = connection
        .query(
            "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1",
            &[PgValue::Text(name.to_string())],
        )
        .map_err(|error| pg::map_error(error, &format!("looking up role {name}")))?;
    Ok(!rows.rows.is_empty())
}

/// Checks that a session of the pending user runs as the shared owner role
/// and can read every table, view and sequence in its database that the
/// other login role owns.
pub fn check_shared_owner(
    connection: &Connection,
    pending: &DatabaseSecret,
) -> Result<(), RotationError> {
    let base = base_username(&pending.username);
    let rows = connection
        .query("SELECT current_user::text", &[])
        .map_err(|error| pg::map_error(error, "reading current_user"))?;
    let current_user = match rows.rows.first().and_then(|row| row.first()) {
        Some(PgValue::Text(name)) => name.clone(),
        _ => String::new(),
    };
    if current_user != base {
        return Err(RotationError::Other(format!(
            "a session of {} runs as role {current_user:?}, not as the shared owner role {base:?}, \
             so objects it creates would not be usable by the other user; \
             check `ALTER ROLE ... SET role` for {}",
            pending.username, pending.username
        )));
    }

    let other = if pending.username == base {
        clone_username(base)
    } else {
        base.to_string()
    };
    let rows = connection
        .query(
            "SELECT c.oid::regclass::text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_roles r ON r.oid = c.relowner \
             WHERE r.rolname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') \
             AND NOT has_table_privilege(c.oid, 'SELECT') \
             ORDER BY 1 LIMIT $2",
            &[PgValue::Text(other.clone()), PgValue::Int64(MAX_LISTED_OBJECTS)],
        )
        .map_err(|error| pg::map_error(error, &format!("listing objects owned by {other}")))?;
    if rows.rows.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = rows
        .rows
        .iter()
        .filter_map(|row| match row.first() {
            Some(PgValue::Text(name)) => Some(name.clone()),
            _ => None,
        })
        .collect();
    Err(RotationError::Other(format!(
        "{} cannot read objects owned by {other}: {}; give them to the shared owner role with \
         `REASSIGN OWNED BY {} TO {}` in each database",
        pending.username,
        names.join(", "),
        pg::quote_ident(&other)?,
        pg::quote_ident(base)?
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(username: &str, password: &str) -> DatabaseSecret {
        let text = format!(
            r#"{{"engine":"postgres","host":"db","username":{username:?},"password":{password:?}}}"#
        );
        DatabaseSecret::from_json_str(&text).unwrap()
    }

    #[test]
    fn new_clone_is_created_and_joined_to_base() {
        let sql = password_statements(&secret("app_clone", "pw"), false).unwrap();
        assert_eq!(
            sql,
            "CREATE ROLE \"app_clone\" WITH LOGIN PASSWORD 'pw';\n\
             GRANT \"app\" TO \"app_clone\";\n\
             ALTER ROLE \"app_clone\" SET role = 'app'"
        );
    }

    #[test]
    fn existing_clone_gets_password_and_membership() {
        let sql = password_statements(&secret("app_clone", "pw"), true).unwrap();
        assert!(sql.starts_with("ALTER ROLE \"app_clone\" WITH LOGIN PASSWORD 'pw';"), "{sql}");
        assert!(sql.contains("GRANT \"app\" TO \"app_clone\""), "{sql}");
    }

    #[test]
    fn base_user_gets_password_and_clone_is_repaired() {
        let sql = password_statements(&secret("app", "pw"), true).unwrap();
        assert!(sql.starts_with("ALTER ROLE \"app\" WITH LOGIN PASSWORD 'pw';"), "{sql}");
        assert!(sql.ends_with("ALTER ROLE \"app_clone\" SET role = 'app'"), "{sql}");
    }

    #[test]
    fn base_user_without_clone_changes_only_password() {
        let sql = password_statements(&secret("app", "pw"), false).unwrap();
        assert_eq!(sql, "ALTER ROLE \"app\" WITH LOGIN PASSWORD 'pw'");
    }

    #[test]
    fn names_and_password_are_quoted() {
        let sql = password_statements(&secret("o\"dd'x_clone", "a'b\\c"), false).unwrap();
        assert!(sql.contains("CREATE ROLE \"o\"\"dd'x_clone\""), "{sql}");
        assert!(sql.contains("PASSWORD E'a''b\\\\c'"), "{sql}");
        assert!(sql.contains("SET role = 'o\"dd''x'"), "{sql}");
    }
}
