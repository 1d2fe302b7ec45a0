//! Paths of the fixture rotators that `build.rs` compiles from `tests/rotators/`.

use std::path::PathBuf;

/// Returns the component of fixture crate `fixture-<behaviour>`, for example
/// `fixture_path("trap-panic")`.
pub fn fixture_path(behaviour: &str) -> PathBuf {
    let file = format!("fixture_{}.wasm", behaviour.replace('-', "_"));
    PathBuf::from(env!("TUMBLER_FIXTURE_ROTATORS_DIR")).join(file)
}
