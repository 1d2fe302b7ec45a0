//! The `mysql` interface: connections to allow-listed MySQL and MariaDB
//! servers.
//!
//! Each `connection` resource owns one `MySqlConnection`, opened from separate
//! fields (never a URL) and closed when the rotator drops it or the step's
//! store is dropped. Statement logging is off, because rotation statements
//! carry passwords. The allow-list, address checks, connection cap and result
//! caps are the ones the `postgres` interface applies.

use std::future::Future;
use std::pin::Pin;

use sqlx::mysql::{
    MySqlArguments, MySqlConnectOptions, MySqlDatabaseError, MySqlQueryResult, MySqlRow,
    MySqlSslMode,
};
use sqlx::{Column, ConnectOptions, Connection, MySql, MySqlConnection, Row, TypeInfo, ValueRef};
use wasmtime::component::Resource;

use super::database::{
    ResultBudget, TooLarge, check_connection_cap, check_target, server_statement_timeout,
    with_host_timeout,
};
use crate::wasm::allow_list::AllowList;
use crate::wasm::bindings::tumbler::rotator::mysql::{
    ConnectOptions as WitConnectOptions, DbError, Error as MySqlError, Host, HostConnection,
    MysqlValue, RowSet, SslMode,
};
use crate::wasm::limits::StepLimits;
use crate::wasm::redact::Redactor;
use crate::wasm::state::StepState;

/// MySQL error number for an unknown system variable: MySQL has no
/// `max_statement_time` and MariaDB has no `max_execution_time`.
const UNKNOWN_SYSTEM_VARIABLE: u16 = 1193;

/// The host side of a `connection` resource.
pub struct MySqlConnectionHandle {
    connection: MySqlConnection,
}

impl Host for StepState {}

impl HostConnection for StepState {
    async fn open(
        &mut self,
        options: WitConnectOptions,
    ) -> wasmtime::Result<Result<Resource<MySqlConnectionHandle>, MySqlError>> {
        if let Err(reason) = check_connection_cap(self.open_connections, &self.step_limits) {
            return Ok(Err(MySqlError::Denied(reason)));
        }
        self.redactor.add_secret_text(&options.password);
        let connect_options = match checked_options(&self.allow_list, &options).await {
            Ok(connect_options) => connect_options,
            Err(error) => return Ok(Err(error)),
        };

        let timeout = self.step_limits.connect_timeout;
        let connected =
            tokio::time::timeout(timeout, MySqlConnection::connect_with(&connect_options)).await;
        let mut connection = match connected {
            Err(_) => return Ok(Err(MySqlError::Timeout)),
            Ok(Err(error)) => return Ok(Err(map_error(&self.redactor, error))),
            Ok(Ok(connection)) => connection,
        };
        if let Err(error) = set_statement_timeout(&mut connection, &self.step_limits).await {
            let _ = connection.close().await;
            return Ok(Err(map_error(&self.redactor, error)));
        }
        tracing::debug!(
            rotator = %self.context.rotator,
            host = %options.host,
            port = options.port,
            database = options.database.as_deref().unwrap_or(""),
            user = %options.user,
            "rotator opened a MySQL connection"
        );
        self.open_connections += 1;
        let handle = self.table.push(MySqlConnectionHandle { connection })?;
        Ok(Ok(handle))
    }

    async fn query(
        &mut self,
        connection: Resource<MySqlConnectionHandle>,
        sql: String,
        params: Vec<MysqlValue>,
    ) -> wasmtime::Result<Result<RowSet, MySqlError>> {
        let limits = self.step_limits.clone();
        let handle = self.table.get_mut(&connection)?;
        let fetched = if params.is_empty() {
            // A statement without parameters goes out as text, so statements
            // that the server cannot prepare (some SHOW forms) work too.
            with_statement_timeout(&limits, fetch_text(&mut handle.connection, &sql)).await
        } else {
            let query = bind_all(sqlx::query(&sql), params);
            with_statement_timeout(&limits, query.fetch_all(&mut handle.connection)).await
        };
        let rows = match fetched {
            Err(error) => return Ok(Err(error)),
            Ok(Err(error)) => return Ok(Err(map_error(&self.redactor, error))),
            Ok(Ok(rows)) => rows,
        };
        Ok(convert_rows(&rows, &limits))
    }

    async fn execute(
        &mut self,
        connection: Resource<MySqlConnectionHandle>,
        sql: String,
        params: Vec<MysqlValue>,
    ) -> wasmtime::Result<Result<u64, MySqlError>> {
        let limits = self.step_limits.clone();
        let handle = self.table.get_mut(&connection)?;
        let executed = if params.is_empty() {
            with_statement_timeout(&limits, execute_text(&mut handle.connection, &sql)).await
        } else {
            let query = bind_all(sqlx::query(&sql), params);
            with_statement_timeout(&limits, query.execute(&mut handle.connection)).await
        };
        Ok(match executed {
            Err(error) => Err(error),
            Ok(Err(error)) => Err(map_error(&self.redactor, error)),
            Ok(Ok(done)) => Ok(done.rows_affected()),
        })
    }

    async fn execute_batch(
        &mut self,
        connection: Resource<MySqlConnectionHandle>,
        sql: String,
    ) -> wasmtime::Result<Result<(), MySqlError>> {
        let limits = self.step_limits.clone();
        let handle = self.table.get_mut(&connection)?;
        let executed =
            with_statement_timeout(&limits, execute_text(&mut handle.connection, &sql)).await;
        Ok(match executed {
            Err(error) => Err(error),
            Ok(Err(error)) => Err(map_error(&self.redactor, error)),
            Ok(Ok(_)) => Ok(()),
        })
    }

    async fn drop(&mut self, connection: Resource<MySqlConnectionHandle>) -> wasmtime::Result<()> {
        let handle = self.table.delete(connection)?;
        self.open_connections = self.open_connections.saturating_sub(1);
        // A failed goodbye only means the server already closed the socket.
        let _ = handle.connection.close().await;
        Ok(())
    }
}

/// Validates the fields, applies the allow-list and address checks, and
/// builds sqlx options field by field. `MySqlConnectOptions::new` reads no
/// environment variables or option files.
async fn checked_options(
    allow_list: &AllowList,
    options: &WitConnectOptions,
) -> Result<MySqlConnectOptions, MySqlError> {
    let database = options.database.as_deref().unwrap_or("");
    let fields = [("user", options.user.as_str()), ("database", database)];
    let target = check_target(
        allow_list,
        "mysql",
        "MySQL",
        &options.host,
        options.port,
        &fields,
    )
    .await
    .map_err(MySqlError::Denied)?;

    let ssl_mode = match options.ssl {
        SslMode::Disabled => MySqlSslMode::Disabled,
        SslMode::Preferred => MySqlSslMode::Preferred,
        SslMode::Required => MySqlSslMode::Required,
        SslMode::VerifyCa => MySqlSslMode::VerifyCa,
        SslMode::VerifyIdentity => MySqlSslMode::VerifyIdentity,
    };
    // NOTE: with verify-identity sqlx resolves the name again, which leaves a
    // window for DNS rebinding between the check and the connect.
    let dial_host = target.dial_host(matches!(ssl_mode, MySqlSslMode::VerifyIdentity));
    let mut connect_options = MySqlConnectOptions::new()
        .host(&dial_host)
        .port(options.port)
        .username(&options.user)
        .ssl_mode(ssl_mode)
        .charset("utf8mb4")
        // The session keeps the server's sql_mode; rotators read it to pick
        // the string escaping rules.
        .pipes_as_concat(false)
        .no_engine_substitution(false)
        .disable_statement_logging();
    // sqlx sends a scrambled empty string for an empty password, which the
    // server rejects; an account without a password needs none sent.
    if !options.password.is_empty() {
        connect_options = connect_options.password(&options.password);
    }
    if let Some(database) = options.database.as_deref().filter(|name| !name.is_empty()) {
        connect_options = connect_options.database(database);
    }
    Ok(connect_options)
}

/// Sets the session's statement timeout below the step deadline: MariaDB
/// reads `max_statement_time` (seconds), MySQL 5.7.8 and later read
/// `max_execution_time` (milliseconds, SELECT only). `lock_wait_timeout`
/// (seconds, both servers) bounds the wait for metadata locks, which account
/// statements such as `ALTER USER` take.
async fn set_statement_timeout(
    connection: &mut MySqlConnection,
    limits: &StepLimits,
) -> Result<(), sqlx::Error> {
    let timeout = server_statement_timeout(limits);
    let seconds = timeout.as_secs_f64();
    let lock_seconds = timeout.as_secs().max(1);
    execute_text(
        connection,
        &format!("SET SESSION lock_wait_timeout = {lock_seconds}"),
    )
    .await?;
    let mariadb = execute_text(
        connection,
        &format!("SET SESSION max_statement_time = {seconds:.3}"),
    )
    .await;
    match mariadb {
        Ok(_) => Ok(()),
        Err(error) if error_number(&error) == Some(UNKNOWN_SYSTEM_VARIABLE) => {
            let millis = timeout.as_millis();
            let mysql = execute_text(
                connection,
                &format!("SET SESSION max_execution_time = {millis}"),
            )
            .await;
            match mysql {
                Ok(_) => Ok(()),
                // Servers before MySQL 5.7.8 have neither variable; the
                // host's own timeout still bounds every statement.
                Err(error) if error_number(&error) == Some(UNKNOWN_SYSTEM_VARIABLE) => Ok(()),
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}

fn error_number(error: &sqlx::Error) -> Option<u16> {
    match error {
        sqlx::Error::Database(database_error) => database_error
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(MySqlDatabaseError::number),
        _ => None,
    }
}

async fn with_statement_timeout<F, T>(limits: &StepLimits, future: F) -> Result<T, MySqlError>
where
    F: Future<Output = T>,
{
    with_host_timeout(limits, future)
        .await
        .ok_or(MySqlError::Timeout)
}

/// Sends `sql` as one text-protocol query. A query without arguments skips
/// the prepare step, and the server receives the text unsplit. The boxed
/// future proves `Send` inside the generated async trait method, which the
/// generic executor call alone does not.
fn execute_text<'c>(
    connection: &'c mut MySqlConnection,
    sql: &'c str,
) -> Pin<Box<dyn Future<Output = Result<MySqlQueryResult, sqlx::Error>> + Send + 'c>> {
    sqlx::Executor::execute(connection, sql)
}

/// Fetches the rows of a text-protocol query; see [`execute_text`].
fn fetch_text<'c>(
    connection: &'c mut MySqlConnection,
    sql: &'c str,
) -> Pin<Box<dyn Future<Output = Result<Vec<MySqlRow>, sqlx::Error>> + Send + 'c>> {
    sqlx::Executor::fetch_all(connection, sql)
}

type MySqlQuery<'q> = sqlx::query::Query<'q, MySql, MySqlArguments>;

fn bind_all(mut query: MySqlQuery<'_>, params: Vec<MysqlValue>) -> MySqlQuery<'_> {
    for value in params {
        query = match value {
            MysqlValue::Null => query.bind(None::<String>),
            MysqlValue::Int64(value) => query.bind(value),
            MysqlValue::Uint64(value) => query.bind(value),
            MysqlValue::Float64(value) => query.bind(value),
            MysqlValue::Text(value) => query.bind(value),
            MysqlValue::Bytes(value) => query.bind(value),
        };
    }
    query
}

fn convert_rows(rows: &[MySqlRow], limits: &StepLimits) -> Result<RowSet, MySqlError> {
    let mut budget =
        ResultBudget::new(limits, rows.len()).map_err(|TooLarge| MySqlError::TooLarge)?;
    let columns = rows
        .first()
        .map(|row| {
            row.columns()
                .iter()
                .map(|column| column.name().to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut converted = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(row.len());
        for index in 0..row.len() {
            let value = convert_value(row, index)?;
            let bytes = match &value {
                MysqlValue::Text(text) => text.len(),
                MysqlValue::Bytes(bytes) => bytes.len(),
                _ => 8,
            };
            budget.add(bytes).map_err(|TooLarge| MySqlError::TooLarge)?;
            values.push(value);
        }
        converted.push(values);
    }
    Ok(RowSet {
        columns,
        rows: converted,
    })
}

fn convert_value(row: &MySqlRow, index: usize) -> Result<MysqlValue, MySqlError> {
    let column = &row.columns()[index];
    let type_name = column.type_info().name().to_string();
    let is_null = row
        .try_get_raw(index)
        .map(|value| value.is_null())
        .map_err(|error| {
            MySqlError::Other(format!(
                "column {:?} could not be read: {error}",
                column.name()
            ))
        })?;
    if is_null {
        return Ok(MysqlValue::Null);
    }
    let unsupported = |error: sqlx::Error| {
        MySqlError::Other(format!(
            "column {:?} of type {type_name} could not be read ({error}); cast it to CHAR in the query",
            column.name()
        ))
    };
    // The type checks are skipped because the match below already picked a
    // Rust type that fits the column type.
    let value = match type_name.as_str() {
        "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => MysqlValue::Int64(
            row.try_get_unchecked::<i64, _>(index)
                .map_err(unsupported)?,
        ),
        "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED"
        | "BIGINT UNSIGNED" => MysqlValue::Uint64(
            row.try_get_unchecked::<u64, _>(index)
                .map_err(unsupported)?,
        ),
        "FLOAT" | "DOUBLE" => MysqlValue::Float64(
            row.try_get_unchecked::<f64, _>(index)
                .map_err(unsupported)?,
        ),
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
            MysqlValue::Bytes(
                row.try_get_unchecked::<Vec<u8>, _>(index)
                    .map_err(unsupported)?,
            )
        }
        _ => MysqlValue::Text(
            row.try_get_unchecked::<String, _>(index)
                .map_err(unsupported)?,
        ),
    };
    Ok(value)
}

/// Maps a sqlx error to the WIT error, scrubbing secret values from messages.
fn map_error(redactor: &Redactor, error: sqlx::Error) -> MySqlError {
    match error {
        sqlx::Error::Database(database_error) => {
            let code = database_error
                .try_downcast_ref::<MySqlDatabaseError>()
                .map(MySqlDatabaseError::number)
                .unwrap_or_default();
            MySqlError::QueryFailed(DbError {
                code,
                sqlstate: database_error
                    .code()
                    .map(|code| code.into_owned())
                    .unwrap_or_default(),
                message: redactor.redact(database_error.message()),
            })
        }
        sqlx::Error::Io(error) => MySqlError::ConnectionFailed(redactor.redact(&error.to_string())),
        sqlx::Error::Tls(error) => {
            MySqlError::ConnectionFailed(format!("TLS: {}", redactor.redact(&error.to_string())))
        }
        sqlx::Error::PoolTimedOut => MySqlError::Timeout,
        other => MySqlError::Other(redactor.redact(&other.to_string())),
    }
}
