//! Log lines written through the host `log` interface, which files them under
//! the current rotation step; natively the [`crate::mock`] host captures them.
//! Never pass a secret value to these functions.

use crate::bindings::tumbler::rotator::log::Level;
#[cfg(target_arch = "wasm32")]
use crate::bindings::tumbler::rotator::log::log;
#[cfg(not(target_arch = "wasm32"))]
use crate::mock::log;

/// Writes a line at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Writes a line at info level.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Writes a line at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Writes a line at error level.
pub fn error(message: &str) {
    log(Level::Error, message);
}
