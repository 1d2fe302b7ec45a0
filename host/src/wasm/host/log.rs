//! The `log` interface: rotator log lines, redacted and capped, into tracing.

use crate::wasm::bindings::tumbler::rotator::log::{Host, Level};
use crate::wasm::state::StepState;

/// Maximum length of one log line in bytes. Longer lines are cut.
const MAX_LINE_BYTES: usize = 4096;

impl Host for StepState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        if self.log_budget.bytes_written >= self.step_limits.max_log_bytes {
            if self.log_budget.lines_dropped == 0 {
                // The marker shows a reader of the log that lines are missing;
                // the engine logs how many after the step.
                tracing::warn!(
                    target: "tumbler::rotator",
                    rotator = %self.context.rotator,
                    secret_arn = %self.context.secret_arn,
                    step = self.context.step,
                    attempt = self.context.attempt,
                    max_log_bytes = self.step_limits.max_log_bytes,
                    "rotator log truncated: the step reached its log limit and later lines are dropped"
                );
            }
            self.log_budget.lines_dropped += 1;
            return Ok(());
        }
        let mut line = self.redactor.redact(&message);
        if line.len() > MAX_LINE_BYTES {
            let mut cut = MAX_LINE_BYTES;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push_str("...");
        }
        self.log_budget.bytes_written += line.len();

        let context = &self.context;
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    target: "tumbler::rotator",
                    rotator = %context.rotator,
                    secret_arn = %context.secret_arn,
                    step = context.step,
                    attempt = context.attempt,
                    "{line}"
                )
            };
        }
        match level {
            Level::Trace => emit!(trace),
            Level::Debug => emit!(debug),
            Level::Info => emit!(info),
            Level::Warn => emit!(warn),
            Level::Error => emit!(error),
        }
        Ok(())
    }
}
