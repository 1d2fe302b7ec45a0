//! A compiled rotator and the call of one rotation step in a fresh instance.

use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Store, UpdateDeadline};

use super::WasmError;
use super::bindings::{RotationError, RotationEvent, RotatorHostPre, RotatorInfo, Step};
use super::engine::WasmEngine;
use super::imports::ungranted_imports;
use super::state::StepState;

/// A rotator component, type-checked against the host's linker once, so
/// each step only instantiates it.
pub struct LoadedRotator {
    name: String,
    sha256: String,
    pre: RotatorHostPre<StepState>,
}

/// Outcome of one step.
#[derive(Debug)]
pub enum StepOutcome {
    Succeeded,
    /// The rotator returned an error value.
    Failed(RotationError),
    /// The rotator trapped: a panic, the memory limit, or the step deadline
    /// while wasm was running.
    Trapped(String),
    /// The step was still waiting on a host call at the deadline.
    TimedOut(Duration),
}

impl LoadedRotator {
    /// Compiles `bytes` and links it against the host interfaces.
    pub fn load(engine: &WasmEngine, name: &str, bytes: &[u8]) -> Result<Self, WasmError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let component = compile(engine, name, bytes)?;
        Self::from_component(engine, name, &sha256, &component)
    }

    /// Checks the imports of a compiled component and links it against the
    /// host interfaces. `sha256` is the digest of the component bytes.
    pub fn from_component(
        engine: &WasmEngine,
        name: &str,
        sha256: &str,
        component: &Component,
    ) -> Result<Self, WasmError> {
        let ungranted = ungranted_imports(engine.engine(), component);
        if !ungranted.is_empty() {
            return Err(WasmError::UngrantedImports {
                rotator: name.to_string(),
                imports: ungranted,
            });
        }
        let instance_pre = engine
            .linker()
            .instantiate_pre(component)
            .map_err(|error| WasmError::Link {
                rotator: name.to_string(),
                message: format!("{error:#}"),
            })?;
        let pre = RotatorHostPre::new(instance_pre).map_err(|error| WasmError::Link {
            rotator: name.to_string(),
            message: format!("{error:#}"),
        })?;
        Ok(Self {
            name: name.to_string(),
            sha256: sha256.to_string(),
            pre,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Hex SHA-256 of the component bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Calls the rotator's `info` export in a throw-away instance.
    pub async fn info(&self, state: StepState) -> Result<RotatorInfo, WasmError> {
        let step_timeout = state.step_limits.step_timeout;
        let mut store = self.new_store(state, step_timeout);
        let call = async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            instance.tumbler_rotator_rotator().call_info(&mut store).await
        };
        match tokio::time::timeout(step_timeout, call).await {
            Ok(Ok(info)) => Ok(info),
            Ok(Err(error)) => Err(WasmError::Trap {
                rotator: self.name.clone(),
                message: format!("{error:#}"),
            }),
            Err(_) => Err(WasmError::Trap {
                rotator: self.name.clone(),
                message: "info() did not return within the step timeout".to_string(),
            }),
        }
    }

    /// Runs one step in a fresh store. Returns the outcome and the store data
    /// so the caller can read the captured output and redaction state.
    pub async fn run_step(&self, state: StepState, event: &RotationEvent) -> (StepOutcome, StepState) {
        let step_timeout = state.step_limits.step_timeout;
        let mut store = self.new_store(state, step_timeout);

        let call = async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            let rotator = instance.tumbler_rotator_rotator();
            match event.step {
                Step::CreateSecret => rotator.call_create_secret(&mut store, event).await,
                Step::SetSecret => rotator.call_set_secret(&mut store, event).await,
                Step::TestSecret => rotator.call_test_secret(&mut store, event).await,
                Step::FinishSecret => rotator.call_finish_secret(&mut store, event).await,
            }
        };
        // The epoch deadline stops running wasm; this bound stops a step that
        // is stuck in a host call, which epochs cannot interrupt.
        let outcome = match tokio::time::timeout(step_timeout + Duration::from_secs(1), call).await {
            Ok(Ok(Ok(()))) => StepOutcome::Succeeded,
            Ok(Ok(Err(error))) => StepOutcome::Failed(error),
            Ok(Err(trap)) => StepOutcome::Trapped(describe_trap(&trap, step_timeout)),
            Err(_) => StepOutcome::TimedOut(step_timeout),
        };
        (outcome, store.into_data())
    }

    fn new_store(&self, state: StepState, step_timeout: Duration) -> Store<StepState> {
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|state| &mut state.limits);

        // Yield to tokio on every tick so a busy rotator does not starve other
        // tasks, and interrupt once the step's wall-clock budget is spent.
        let deadline = Instant::now() + step_timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        store
    }
}

/// Compiles component bytes, after checks that explain the common wrong
/// inputs: an empty file, a file that is not WebAssembly, and a core module.
pub fn compile(engine: &WasmEngine, name: &str, bytes: &[u8]) -> Result<Component, WasmError> {
    let invalid = |message: String| WasmError::Compile {
        rotator: name.to_string(),
        message,
    };
    if bytes.is_empty() {
        return Err(invalid("the file is empty".to_string()));
    }
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(invalid(
            "the file is not a WebAssembly binary (it does not start with \\0asm)".to_string(),
        ));
    }
    // Bytes 4..8 are the version and layer: 1, 0 for a core module, and
    // layer 1 for a component.
    if bytes[6..8] == [0, 0] {
        return Err(invalid(
            "the file is a core WebAssembly module, not a component; build the rotator with \
             `cargo build --target wasm32-wasip2`, which emits a component"
                .to_string(),
        ));
    }
    Component::new(engine.engine(), bytes).map_err(|error| invalid(format!("{error:#}")))
}

/// Turns a trap into a message that names the cause.
fn describe_trap(error: &wasmtime::Error, step_timeout: Duration) -> String {
    if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        if *trap == wasmtime::Trap::Interrupt {
            return format!(
                "the step ran past its deadline of {}s and was interrupted",
                step_timeout.as_secs()
            );
        }
    }
    let text = format!("{error:#}");
    if text.contains("memory") && (text.contains("grow") || text.contains("limit")) {
        return format!("the rotator hit its memory limit: {text}");
    }
    format!("the rotator trapped: {text}")
}
