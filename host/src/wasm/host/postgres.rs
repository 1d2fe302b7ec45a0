//! The `postgres` interface: connections to allow-listed PostgreSQL servers.
//!
//! Each `connection` resource owns one `PgConnection`, opened from separate
//! fields (never a URL) and closed when the rotator drops it or the step's
//! store is dropped. Statement logging is off, because rotation statements
//! carry passwords.

use std::future::Future;
use std::pin::Pin;

use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgQueryResult, PgRow, PgSslMode};
use sqlx::{Column, ConnectOptions, Connection, PgConnection, Row, TypeInfo};
use wasmtime::component::Resource;

use super::database::{
    ResultBudget, TooLarge, check_connection_cap, check_target, server_statement_timeout, with_host_timeout,
};
use crate::wasm::allow_list::AllowList;
use crate::wasm::limits::StepLimits;
use crate::wasm::bindings::tumbler::rotator::postgres::{
    ConnectOptions as WitConnectOptions, DbError, Error as PgError, Host, HostConnection, PgValue,
    RowSet, TlsMode,
};
use crate::wasm::redact::Redactor;
use crate::wasm::state::StepState;

/// The host side of a `connection` resource.
pub struct PgConnectionHandle {
    connection: PgConnection,
}

impl Host for StepState {}

impl HostConnection for StepState {
    async fn open(
        &mut self,
        options: WitConnectOptions,
    ) -> wasmtime::Result<Result<Resource<PgConnectionHandle>, PgError>> {
        if let Err(reason) = check_connection_cap(self.open_connections, &self.step_limits) {
            return Ok(Err(PgError::Denied(reason)));
        }
        self.redactor.add_secret_text(&options.password);
        let connect_options = match checked_options(&self.allow_list, &self.step_limits, &options).await {
            Ok(connect_options) => connect_options,
            Err(error) => return Ok(Err(error)),
        };

        let timeout = self.step_limits.connect_timeout;
        let connected = tokio::time::timeout(timeout, PgConnection::connect_with(&connect_options)).await;
        let connection = match connected {
            Err(_) => return Ok(Err(PgError::Timeout)),
            Ok(Err(error)) => return Ok(Err(map_error(&self.redactor, error))),
            Ok(Ok(connection)) => connection,
        };
        tracing::debug!(
            rotator = %self.context.rotator,
            host = %options.host,
            port = options.port,
            database = %options.database,
            user = %options.user,
            "rotator opened a PostgreSQL connection"
        );
        self.open_connections += 1;
        let handle = self.table.push(PgConnectionHandle { connection })?;
        Ok(Ok(handle))
    }

    async fn query(
        &mut self,
        connection: Resource<PgConnectionHandle>,
        sql: String,
        params: Vec<PgValue>,
    ) -> wasmtime::Result<Result<RowSet, PgError>> {
        let limits = self.step_limits.clone();
        let handle = self.table.get_mut(&connection)?;
        let mut query = sqlx::query(&sql);
        for param in params {
            query = bind(query, param);
        }
        let fetched = with_statement_timeout(&limits, query.fetch_all(&mut handle.connection)).await;
        let rows = match fetched {
            Err(error) => return Ok(Err(error)),
            Ok(Err(error)) => return Ok(Err(map_error(&self.redactor, error))),
            Ok(Ok(rows)) => rows,
        };
        Ok(convert_rows(&rows, &limits))
    }

    async fn execute(
        &mut self,
        connection: Resource<PgConnectionHandle>,
        sql: String,
        params: Vec<PgValue>,
    ) -> wasmtime::Result<Result<u64, PgError>> {
        let limits = self.step_limits.clone();
        let handle = self.table.get_mut(&connection)?;
        let mut query = sqlx::query(&sql);
        for param in params {
            query = bind(query, param);
        }
        let executed = with_statement_timeout(&limits, query.execute(&mut handle.connection)).await;
        Ok(match executed {
            Err(error) => Err(error),
            Ok(Err(error)) => Err(map_error(&self.redactor, error)),
            Ok(Ok(done)) => Ok(done.rows_affected()),
        })
    }

    async fn execute_batch(
        &mut self,
        connection: Resource<PgConnectionHandle>,
        sql: String,
    ) -> wasmtime::Result<Result<(), PgError>> {
        let limits = self.step_limits.clone();
        let handle = self.table.get_mut(&connection)?;
        let executed = with_statement_timeout(&limits, execute_unsplit(&mut handle.connection, &sql)).await;
        Ok(match executed {
            Err(error) => Err(error),
            Ok(Err(error)) => Err(map_error(&self.redactor, error)),
            Ok(Ok(_)) => Ok(()),
        })
    }

    async fn drop(&mut self, connection: Resource<PgConnectionHandle>) -> wasmtime::Result<()> {
        let handle = self.table.delete(connection)?;
        self.open_connections = self.open_connections.saturating_sub(1);
        // A failed goodbye only means the server already closed the socket.
        let _ = handle.connection.close().await;
        Ok(())
    }
}

/// Validates the fields, applies the allow-list and address checks, and
/// builds sqlx options field by field.
async fn checked_options(
    allow_list: &AllowList,
    step_limits: &StepLimits,
    options: &WitConnectOptions,
) -> Result<PgConnectOptions, PgError> {
    let fields = [("user", options.user.as_str()), ("database", options.database.as_str())];
    let target = check_target(allow_list, "postgres", "PostgreSQL", &options.host, options.port, &fields)
        .await
        .map_err(PgError::Denied)?;

    let ssl_mode = match options.tls {
        TlsMode::Disable => PgSslMode::Disable,
        TlsMode::Prefer => PgSslMode::Prefer,
        TlsMode::Require => PgSslMode::Require,
        TlsMode::VerifyCa => PgSslMode::VerifyCa,
        TlsMode::VerifyFull => PgSslMode::VerifyFull,
    };
    // NOTE: with verify-full sqlx resolves the name again, which leaves a
    // window for DNS rebinding between the check and the connect.
    let dial_host = target.dial_host(matches!(ssl_mode, PgSslMode::VerifyFull));
    let statement_timeout_ms = server_statement_timeout(step_limits).as_millis().to_string();
    let connect_options = PgConnectOptions::new_without_pgpass()
        .host(&dial_host)
        .port(options.port)
        .username(&options.user)
        .password(&options.password)
        .database(&options.database)
        .ssl_mode(ssl_mode)
        .application_name("tumbler-rotator")
        .options([("statement_timeout", statement_timeout_ms.as_str())])
        .disable_statement_logging();
    Ok(connect_options)
}

async fn with_statement_timeout<F, T>(limits: &StepLimits, future: F) -> Result<T, PgError>
where
    F: std::future::Future<Output = T>,
{
    with_host_timeout(limits, future).await.ok_or(PgError::Timeout)
}

/// Sends `sql` as one simple-protocol query. `raw_sql` would do the same, but
/// its generic executor bound does not prove `Send` inside the generated async
/// trait method.
fn execute_unsplit<'c>(
    connection: &'c mut PgConnection,
    sql: &'c str,
) -> Pin<Box<dyn Future<Output = Result<PgQueryResult, sqlx::Error>> + Send + 'c>> {
    // A query without arguments goes out over the simple-query protocol,
    // which accepts several statements and never splits the text.
    sqlx::Executor::execute(connection, sql)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

fn bind(query: PgQuery<'_>, value: PgValue) -> PgQuery<'_> {
    match value {
        PgValue::Null => query.bind(None::<String>),
        PgValue::Boolean(value) => query.bind(value),
        PgValue::Int32(value) => query.bind(value),
        PgValue::Int64(value) => query.bind(value),
        PgValue::Float64(value) => query.bind(value),
        PgValue::Text(value) => query.bind(value),
        PgValue::Bytea(value) => query.bind(value),
    }
}

fn convert_rows(rows: &[PgRow], limits: &StepLimits) -> Result<RowSet, PgError> {
    let mut budget = ResultBudget::new(limits, rows.len()).map_err(|TooLarge| PgError::TooLarge)?;
    let columns = rows
        .first()
        .map(|row| row.columns().iter().map(|column| column.name().to_string()).collect())
        .unwrap_or_default();
    let mut converted = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(row.len());
        for index in 0..row.len() {
            let value = convert_value(row, index)?;
            let bytes = match &value {
                PgValue::Text(text) => text.len(),
                PgValue::Bytea(bytes) => bytes.len(),
                _ => 8,
            };
            budget.add(bytes).map_err(|TooLarge| PgError::TooLarge)?;
            values.push(value);
        }
        converted.push(values);
    }
    Ok(RowSet { columns, rows: converted })
}

fn convert_value(row: &PgRow, index: usize) -> Result<PgValue, PgError> {
    let column = &row.columns()[index];
    let type_name = column.type_info().name().to_string();
    let unsupported = |error: sqlx::Error| {
        PgError::Other(format!(
            "column {:?} of type {type_name} could not be read ({error}); cast it to text in the query",
            column.name()
        ))
    };
    let value = match type_name.as_str() {
        "BOOL" => row.try_get::<Option<bool>, _>(index).map_err(unsupported)?.map(PgValue::Boolean),
        "INT2" => row
            .try_get::<Option<i16>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Int32(value.into())),
        "INT4" => row.try_get::<Option<i32>, _>(index).map_err(unsupported)?.map(PgValue::Int32),
        "INT8" => row.try_get::<Option<i64>, _>(index).map_err(unsupported)?.map(PgValue::Int64),
        "FLOAT4" => row
            .try_get::<Option<f32>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Float64(value.into())),
        "FLOAT8" => row.try_get::<Option<f64>, _>(index).map_err(unsupported)?.map(PgValue::Float64),
        "BYTEA" => row.try_get::<Option<Vec<u8>>, _>(index).map_err(unsupported)?.map(PgValue::Bytea),
        // Dates and times come back as RFC 3339 text, the way the server
        // would print them with a cast to text.
        "TIMESTAMPTZ" => row
            .try_get::<Option<time::OffsetDateTime>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Text(format_rfc3339(value))),
        "TIMESTAMP" => row
            .try_get::<Option<time::PrimitiveDateTime>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Text(value.to_string())),
        "DATE" => row
            .try_get::<Option<time::Date>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Text(value.to_string())),
        "UUID" => row
            .try_get::<Option<uuid::Uuid>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Text(value.to_string())),
        "JSON" | "JSONB" => row
            .try_get::<Option<serde_json::Value>, _>(index)
            .map_err(unsupported)?
            .map(|value| PgValue::Text(value.to_string())),
        _ => row.try_get::<Option<String>, _>(index).map_err(unsupported)?.map(PgValue::Text),
    };
    Ok(value.unwrap_or(PgValue::Null))
}

fn format_rfc3339(value: time::OffsetDateTime) -> String {
    value
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| value.to_string())
}

/// Maps a sqlx error to the WIT error, scrubbing secret values from messages.
fn map_error(redactor: &Redactor, error: sqlx::Error) -> PgError {
    match error {
        sqlx::Error::Database(database_error) => {
            let (severity, detail) = match database_error.try_downcast_ref::<PgDatabaseError>() {
                Some(pg_error) => (
                    format!("{:?}", pg_error.severity()).to_uppercase(),
                    pg_error.detail().map(|detail| redactor.redact(detail)),
                ),
                None => ("ERROR".to_string(), None),
            };
            PgError::QueryFailed(DbError {
                sqlstate: database_error.code().map(|code| code.into_owned()).unwrap_or_default(),
                severity,
                message: redactor.redact(database_error.message()),
                detail,
            })
        }
        sqlx::Error::Io(error) => PgError::ConnectionFailed(redactor.redact(&error.to_string())),
        sqlx::Error::Tls(error) => PgError::ConnectionFailed(format!("TLS: {}", redactor.redact(&error.to_string()))),
        sqlx::Error::PoolTimedOut => PgError::Timeout,
        other => PgError::Other(redactor.redact(&other.to_string())),
    }
}
