//! The WebAssembly runtime for rotators: engine, limits, bindings and one file
//! per host interface.

pub mod allow_list;
pub mod bindings;
pub mod builtin;
pub mod cache;
pub mod egress;
pub mod engine;
pub mod host;
pub mod imports;
pub mod http_client;
pub mod limits;
pub mod output;
pub mod precompiled;
pub mod redact;
pub mod rotator;
pub mod state;

pub use allow_list::{AllowList, AllowListError};
pub use cache::{ArtifactCache, CacheError};
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
    /// The component imports interfaces that the host does not grant.
    #[error(
        "rotator {rotator} imports interfaces that the host does not grant: {}. A rotator may \
         import only tumbler:rotator@1 and WASI 0.2 (cli, clocks, filesystem, http, io, random, sockets)",
        imports.join(", ")
    )]
    UngrantedImports { rotator: String, imports: Vec<String> },
    /// The component does not fit the host's interface types, or does not
    /// export the rotator interface.
    #[error("rotator {rotator} does not fit the tumbler:rotator@1 host: {message}")]
    Link { rotator: String, message: String },
    /// The component trapped outside a rotation step.
    #[error("rotator {rotator} failed: {message}")]
    Trap { rotator: String, message: String },
    /// No built-in or installed rotator has this name. The second field
    /// lists the available names.
    #[error(
        "no rotator named {0:?}; the available rotators are: {1}. Install a custom rotator with \
         `tumbler rotator install NAME FILE.wasm`"
    )]
    UnknownRotator(String, String),
    /// A resumed rotation would run another rotator build than it started
    /// with.
    #[error(
        "rotator {rotator} was replaced since this rotation started (started with SHA-256 \
         {pinned}, installed now {current}); steps of two builds are not mixed. Reinstall the \
         build with SHA-256 {pinned} to resume, or store a corrected value with `tumbler secret \
         put`, which abandons this rotation"
    )]
    RotatorChanged {
        rotator: String,
        pinned: String,
        current: String,
    },
    /// The installed-rotator table or the compiled-rotator cache failed.
    #[error("could not load rotator {rotator}: {message}")]
    Registry { rotator: String, message: String },
}

impl WasmError {
    fn engine(error: wasmtime::Error) -> Self {
        Self::Engine(format!("{error:#}"))
    }
}
