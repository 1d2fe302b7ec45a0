//! Host bindings generated from the `tumbler:rotator@1.0.0` WIT package.
//!
//! Tracing of host calls stays off: bindgen's `tracing` flags log arguments
//! and results, and those carry secret values.

wasmtime::component::bindgen!({
    world: "rotator-host",
    path: "../sdk/wit",
    imports: { default: async | trappable },
    exports: { default: async },
    with: {
        "tumbler:rotator/postgres.connection": crate::wasm::host::postgres::PgConnectionHandle,
        "tumbler:rotator/mysql.connection": crate::wasm::host::mysql::MySqlConnectionHandle,
    },
});

pub use exports::tumbler::rotator::rotator::{RotationError, RotatorInfo};
pub use tumbler::rotator::types::{RotationEvent, SecretValue, Step};
