//! Fixture: setSecret executes the `unreachable` instruction without a
//! panic message.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

struct TrapUnreachable;

impl Rotator for TrapUnreachable {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-trap-unreachable", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        core::arch::wasm32::unreachable()
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(TrapUnreachable);
