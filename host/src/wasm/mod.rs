//! The WebAssembly runtime for rotators: engine, limits, bindings and one file
//! per host interface.

pub mod allow_list;
pub mod bindings;
pub mod builtin;
pub mod egress;
pub mod engine;
pub mod host;
pub mod http_client;
pub mod limits;
pub mod output;
pub mod redact;
pub mod rotator;
pub mod state;

pub use allow_list::{AllowList, AllowListError};
pub use engine::WasmEngine;
pub use limits::StepLimits;
pub use rotator::{LoadedRotator, StepOutcome};
pub use state::{SecretsScope, StepContext, StepState};

use thiserror::Error;

/// Failures to set up or load a rotator. Step failures are `StepOutcome`s.
#[derive(Debug, Error)]
pub enum WasmError {
    /// The wasmtime engine or linker could not be configured.
    #[error("could not set up the WebAssembly engine: {0}")]
    Engine(String),
    /// The bytes are not a valid component.
    #[error("rotator {rotator} is not a valid WebAssembly component: {message}")]
    Compile { rotator: String, message: String },
    /// The component imports something the host does not provide, or does
    /// not export the rotator interface.
    #[error("rotator {rotator} does not fit the tumbler:rotator@1 host: {message}")]
    Link { rotator: String, message: String },
    /// The component trapped outside a rotation step.
    #[error("rotator {rotator} failed: {message}")]
    Trap { rotator: String, message: String },
    /// No built-in or installed rotator has this name.
    #[error("no rotator named {0:?}; the built-in rotators are: {1}")]
    UnknownRotator(String, String),
}

impl WasmError {
    fn engine(error: wasmtime::Error) -> Self {
        Self::Engine(format!("{error:#}"))
    }
}
