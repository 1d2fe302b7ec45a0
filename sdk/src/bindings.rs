//! Rust bindings that `wit-bindgen` generates for the `tumbler:rotator@1.0.0`
//! world `rotator-host` in `sdk/wit/`.
//!
//! Rotator authors rarely need this module directly: the crate root re-exports
//! the common types, and [`crate::export_rotator!`] wires up the exports. On
//! targets other than `wasm32` the imported functions compile to stubs that
//! panic when called; the SDK's wrappers call the [`crate::mock`] host there
//! instead.

wit_bindgen::generate!({
    world: "rotator-host",
    path: "wit",
    pub_export_macro: true,
    default_bindings_module: "tumbler_sdk::bindings",
    export_macro_name: "export_rotator_bindings",
});
