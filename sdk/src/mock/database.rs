//! The database stand-in that a test supplies to the mock host, and a
//! scripted implementation that records statements.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::bindings::tumbler::rotator::postgres::{ConnectOptions, DbError, Error, PgValue, RowSet};

/// The user and server of an open connection; the password is not kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
}

/// A database that [`crate::pg::Connection`] talks to in native tests.
/// Implement it for scripted behaviour, or use [`ScriptedDatabase`].
pub trait Database {
    /// Checks a login. An error is returned by `Connection::open`.
    fn connect(&mut self, options: &ConnectOptions) -> Result<(), Error>;
    /// Runs a statement with bind parameters and returns its rows.
    fn query(&mut self, session: &Session, sql: &str, params: &[PgValue]) -> Result<RowSet, Error>;
    /// Runs a statement with bind parameters and returns the affected row count.
    fn execute(&mut self, session: &Session, sql: &str, params: &[PgValue]) -> Result<u64, Error>;
    /// Runs an unsplit simple-protocol query.
    fn execute_batch(&mut self, session: &Session, sql: &str) -> Result<(), Error>;
}

/// A statement that reached a [`ScriptedDatabase`].
#[derive(Clone, Debug)]
pub struct Statement {
    pub user: String,
    pub sql: String,
    pub params: Vec<PgValue>,
}

/// The result that a [`ScriptedDatabase`] returns for statements that start
/// with a given text.
#[derive(Clone, Debug)]
pub enum Response {
    Rows(RowSet),
    Affected(u64),
    Error(Error),
}

#[derive(Default)]
struct Scripted {
    passwords: BTreeMap<String, String>,
    responses: Vec<(String, Response)>,
    statements: Vec<Statement>,
    logins: Vec<(String, bool)>,
}

/// A PostgreSQL stand-in: it accepts logins whose password matches the one
/// set for the user, records every statement, returns scripted results for
/// statements, and applies `ALTER ROLE|USER <name> [WITH] PASSWORD '<literal>'`
/// to its password table so a full rotation can run against it.
///
/// Clones share their state, so a test keeps a clone to inspect after
/// passing one to [`MockHost::set_database`](super::MockHost::set_database).
#[derive(Clone, Default)]
pub struct ScriptedDatabase {
    inner: Rc<RefCell<Scripted>>,
}

impl ScriptedDatabase {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a user that logs in with `password`.
    pub fn with_user(self, user: &str, password: &str) -> Self {
        self.set_password(user, password);
        self
    }

    /// Sets the password that `user` logs in with.
    pub fn set_password(&self, user: &str, password: &str) {
        self.inner
            .borrow_mut()
            .passwords
            .insert(user.to_string(), password.to_string());
    }

    /// Reports whether `user` logs in with `password` now.
    pub fn accepts(&self, user: &str, password: &str) -> bool {
        self.inner.borrow().passwords.get(user).map(String::as_str) == Some(password)
    }

    /// Returns `response` for statements that start with `sql_prefix`.
    /// The earliest matching entry wins; unmatched queries return no rows
    /// and unmatched executes affect 0 rows.
    pub fn respond(&self, sql_prefix: &str, response: Response) {
        self.inner
            .borrow_mut()
            .responses
            .push((sql_prefix.to_string(), response));
    }

    /// Returns every statement run so far, in order.
    pub fn statements(&self) -> Vec<Statement> {
        self.inner.borrow().statements.clone()
    }

    /// Returns every login attempt so far as (user, accepted).
    pub fn logins(&self) -> Vec<(String, bool)> {
        self.inner.borrow().logins.clone()
    }

    fn record(&self, session: &Session, sql: &str, params: &[PgValue]) -> Option<Response> {
        let mut inner = self.inner.borrow_mut();
        inner.statements.push(Statement {
            user: session.user.clone(),
            sql: sql.to_string(),
            params: params.to_vec(),
        });
        if let Some((user, password)) = parse_password_change(sql) {
            inner.passwords.insert(user, password);
        }
        inner
            .responses
            .iter()
            .find(|(prefix, _)| sql.starts_with(prefix.as_str()))
            .map(|(_, response)| response.clone())
    }
}

impl Database for ScriptedDatabase {
    fn connect(&mut self, options: &ConnectOptions) -> Result<(), Error> {
        let accepted = self.accepts(&options.user, &options.password);
        self.inner
            .borrow_mut()
            .logins
            .push((options.user.clone(), accepted));
        if accepted {
            return Ok(());
        }
        Err(Error::QueryFailed(DbError {
            sqlstate: "28P01".to_string(),
            severity: "FATAL".to_string(),
            message: format!("password authentication failed for user \"{}\"", options.user),
            detail: None,
        }))
    }

    fn query(&mut self, session: &Session, sql: &str, params: &[PgValue]) -> Result<RowSet, Error> {
        match self.record(session, sql, params) {
            Some(Response::Rows(rows)) => Ok(rows),
            Some(Response::Error(error)) => Err(error),
            Some(Response::Affected(_)) | None => Ok(RowSet {
                columns: Vec::new(),
                rows: Vec::new(),
            }),
        }
    }

    fn execute(&mut self, session: &Session, sql: &str, params: &[PgValue]) -> Result<u64, Error> {
        match self.record(session, sql, params) {
            Some(Response::Affected(count)) => Ok(count),
            Some(Response::Error(error)) => Err(error),
            Some(Response::Rows(rows)) => Ok(rows.rows.len() as u64),
            None => Ok(0),
        }
    }

    fn execute_batch(&mut self, session: &Session, sql: &str) -> Result<(), Error> {
        match self.record(session, sql, &[]) {
            Some(Response::Error(error)) => Err(error),
            _ => Ok(()),
        }
    }
}

/// Parses `ALTER ROLE|USER <identifier> [WITH] PASSWORD <literal>` with a
/// quoted or plain identifier and a `'...'` or `E'...'` literal, and returns
/// the role and the new password.
fn parse_password_change(sql: &str) -> Option<(String, String)> {
    let rest = sql.trim_start();
    let head = rest.get(..11)?.to_ascii_uppercase();
    if head != "ALTER ROLE " && head != "ALTER USER " {
        return None;
    }
    let (role, rest) = parse_identifier(rest[11..].trim_start())?;
    let mut rest = rest.trim_start();
    if rest.get(..5)?.eq_ignore_ascii_case("WITH ") {
        rest = rest[5..].trim_start();
    }
    if !rest.get(..9)?.eq_ignore_ascii_case("PASSWORD ") {
        return None;
    }
    let password = parse_literal(rest[9..].trim_start())?;
    Some((role, password))
}

fn parse_identifier(text: &str) -> Option<(String, &str)> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find(char::is_whitespace)?;
        return Some((text[..end].to_lowercase(), &text[end..]));
    };
    let mut name = String::new();
    let mut characters = quoted.char_indices().peekable();
    while let Some((index, character)) = characters.next() {
        if character != '"' {
            name.push(character);
            continue;
        }
        if characters.peek().map(|(_, next)| *next) == Some('"') {
            characters.next();
            name.push('"');
            continue;
        }
        return Some((name, &quoted[index + 1..]));
    }
    None
}

fn parse_literal(text: &str) -> Option<String> {
    let (escape, body) = match text.strip_prefix(['E', 'e']) {
        Some(rest) => (true, rest.strip_prefix('\'')?),
        None => (false, text.strip_prefix('\'')?),
    };
    let mut value = String::new();
    let mut characters = body.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' if escape => value.push(characters.next()?),
            '\'' if characters.peek() == Some(&'\'') => {
                characters.next();
                value.push('\'');
            }
            '\'' => return Some(value),
            other => value.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_password_change;

    #[test]
    fn quoted_role_and_escape_literal_parse() {
        let parsed = parse_password_change(r#"ALTER ROLE "a""b" WITH PASSWORD E'x''y\\z'"#);
        assert_eq!(parsed, Some(("a\"b".to_string(), "x'y\\z".to_string())));
    }

    #[test]
    fn plain_role_is_lowercased() {
        let parsed = parse_password_change("alter user App PASSWORD 'p'");
        assert_eq!(parsed, Some(("app".to_string(), "p".to_string())));
    }

    #[test]
    fn other_statements_are_ignored() {
        assert_eq!(parse_password_change("SELECT 1"), None);
    }
}
