//! The wasmtime engine shared by all rotators, its linker and epoch ticker.

use std::thread;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

use super::WasmError;
use super::bindings::RotatorHost;
use super::limits::EPOCH_TICK;
use super::state::StepState;

/// One engine and linker for every rotator; stores are created per step.
pub struct WasmEngine {
    engine: Engine,
    linker: Linker<StepState>,
}

impl WasmEngine {
    pub fn new() -> Result<Self, WasmError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(WasmError::engine)?;

        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(WasmError::engine)?;
        // `wasi:http/outgoing-handler` and `wasi:http/types`, for HTTP rotators.
        // Components that do not import them link as before.
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(WasmError::engine)?;
        RotatorHost::add_to_linker::<_, HasSelf<StepState>>(&mut linker, |state| state)
            .map_err(WasmError::engine)?;

        spawn_epoch_ticker(&engine);
        Ok(Self { engine, linker })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn linker(&self) -> &Linker<StepState> {
        &self.linker
    }
}

/// Advances the engine's epoch every `EPOCH_TICK` so running wasm reaches its
/// deadline callback. The thread ends once the engine is dropped.
fn spawn_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    let spawned = thread::Builder::new()
        .name("tumbler-epoch-ticker".to_string())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(error) = spawned {
        // Without the ticker a looping rotator is stopped only by the outer timeout.
        tracing::error!(%error, "could not start the epoch ticker thread");
    }
}
