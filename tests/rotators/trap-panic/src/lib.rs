//! Fixture: setSecret panics, which traps the instance.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

struct TrapPanic;

impl Rotator for TrapPanic {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-trap-panic", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        panic!("fixture-trap-panic: deliberate panic in setSecret");
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(TrapPanic);
