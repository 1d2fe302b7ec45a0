//! The native [`Connection`] that replaces the host resource in tests.

use super::database::Session;
use super::host::with_state;
use crate::bindings::tumbler::rotator::postgres::{ConnectOptions, Error, PgValue, RowSet};

/// A connection to the mock host's [`Database`](super::Database), with the
/// methods of the host resource `pg::Connection`.
#[derive(Debug)]
pub struct Connection {
    session: Session,
}

impl Connection {
    /// Opens a connection through the mock host's database; `denied` when
    /// the test installed none.
    pub fn open(options: &ConnectOptions) -> Result<Connection, Error> {
        with_state(|state| {
            let database = state.database.as_mut().ok_or_else(no_database)?;
            database.connect(options)?;
            Ok(Connection {
                session: Session {
                    host: options.host.clone(),
                    port: options.port,
                    database: options.database.clone(),
                    user: options.user.clone(),
                },
            })
        })
    }

    pub fn query(&self, sql: &str, params: &[PgValue]) -> Result<RowSet, Error> {
        with_state(|state| {
            let database = state.database.as_mut().ok_or_else(no_database)?;
            database.query(&self.session, sql, params)
        })
    }

    pub fn execute(&self, sql: &str, params: &[PgValue]) -> Result<u64, Error> {
        with_state(|state| {
            let database = state.database.as_mut().ok_or_else(no_database)?;
            database.execute(&self.session, sql, params)
        })
    }

    pub fn execute_batch(&self, sql: &str) -> Result<(), Error> {
        with_state(|state| {
            let database = state.database.as_mut().ok_or_else(no_database)?;
            database.execute_batch(&self.session, sql)
        })
    }
}

fn no_database() -> Error {
    Error::Denied(
        "the mock host has no database; call MockHost::set_database in the test".to_string(),
    )
}
