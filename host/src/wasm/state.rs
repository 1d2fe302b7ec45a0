//! The data of one rotation step's wasmtime `Store`.

use wasmtime::StoreLimits;
use wasmtime::StoreLimitsBuilder;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::allow_list::AllowList;
use super::host::http::HttpPolicy;
use super::limits::StepLimits;
use super::output::CappedOutput;
use super::redact::Redactor;
use crate::secrets::SecretsService;

/// Secrets a step may read and write.
#[derive(Clone, Debug)]
pub struct SecretsScope {
    /// ARN of the secret being rotated; the only one the step may write.
    pub rotated_arn: String,
    /// The rotation's token, the version id of AWSPENDING.
    pub token: String,
    /// ARNs the rotation may read besides its own secret, such as the admin
    /// secret of the alternating-users strategy.
    pub readable_arns: Vec<String>,
}

/// Counters for the `log` interface.
#[derive(Debug, Default)]
pub struct LogBudget {
    pub bytes_written: usize,
    pub lines_dropped: usize,
}

/// Context copied into every log line the rotator writes.
#[derive(Clone, Debug)]
pub struct StepContext {
    pub rotator: String,
    pub secret_arn: String,
    pub step: &'static str,
    pub attempt: u32,
}

pub struct StepState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) step_limits: StepLimits,
    pub(crate) secrets: SecretsService,
    pub(crate) scope: SecretsScope,
    pub(crate) allow_list: AllowList,
    pub(crate) open_connections: usize,
    pub(crate) redactor: Redactor,
    pub(crate) log_budget: LogBudget,
    pub(crate) context: StepContext,
    pub(crate) output: CappedOutput,
    pub(crate) http: WasiHttpCtx,
    pub(crate) http_policy: HttpPolicy,
}

impl StepState {
    pub fn new(
        secrets: SecretsService,
        scope: SecretsScope,
        allow_list: AllowList,
        step_limits: StepLimits,
        context: StepContext,
    ) -> Self {
        let output = CappedOutput::new(step_limits.max_output_bytes);
        // No preopened directories, environment, arguments or sockets: the
        // rotator reaches the outside only through the host interfaces.
        let wasi = WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .stdout(output.clone())
            .stderr(output.clone())
            .build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(step_limits.memory_bytes)
            .tables(16)
            .table_elements(100_000)
            .instances(64)
            .memories(16)
            .trap_on_grow_failure(true)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(1024);
        let http_policy = HttpPolicy::new(allow_list.clone(), step_limits.clone());
        Self {
            wasi,
            table,
            limits,
            step_limits,
            secrets,
            scope,
            allow_list,
            open_connections: 0,
            redactor: Redactor::default(),
            log_budget: LogBudget::default(),
            context,
            output,
            http: WasiHttpCtx::new(),
            http_policy,
        }
    }
}

impl WasiView for StepState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StepState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}
