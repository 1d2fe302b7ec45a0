//! Per-step resource limits for rotators.

use std::time::Duration;

/// Limits applied to every rotation step. The defaults suit rotators that run
/// a handful of SQL statements; `tumbler.toml` can raise them.
#[derive(Clone, Debug)]
pub struct StepLimits {
    /// Linear memory per instance.
    pub memory_bytes: usize,
    /// Wall-clock budget for one step, enforced by epoch interruption while
    /// wasm runs and by an outer timeout while a host call is pending.
    pub step_timeout: Duration,
    /// Database connections a step may open.
    pub max_connections: usize,
    /// Connect timeout for database connections.
    pub connect_timeout: Duration,
    /// Server-side statement timeout.
    pub statement_timeout: Duration,
    /// Rows returned by one query.
    pub max_rows: usize,
    /// Bytes of row data returned by one query.
    pub max_result_bytes: usize,
    /// Bytes of rotator log output per step; later lines are dropped and counted.
    pub max_log_bytes: usize,
    /// Bytes of stdout and stderr kept per step.
    pub max_output_bytes: usize,
    /// Outgoing HTTP requests a step may send through `wasi:http`.
    pub max_http_requests: usize,
    /// Wait for the first byte of an HTTP response; also the upper bound of
    /// the wait between later body chunks.
    pub http_first_byte_timeout: Duration,
    /// Bytes of one HTTP response body.
    pub max_http_response_bytes: usize,
}

impl Default for StepLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 << 20,
            step_timeout: Duration::from_secs(60),
            max_connections: 4,
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(15),
            max_rows: 10_000,
            max_result_bytes: 1 << 20,
            max_log_bytes: 64 << 10,
            max_output_bytes: 16 << 10,
            max_http_requests: 32,
            http_first_byte_timeout: Duration::from_secs(15),
            max_http_response_bytes: 1 << 20,
        }
    }
}

/// Interval of the engine's epoch ticker; step deadlines are counted in ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
