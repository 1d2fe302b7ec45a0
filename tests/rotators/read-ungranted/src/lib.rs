//! Fixture: setSecret reads a secret that its rotation was not granted
//! through the `read-secrets` setting.

use tumbler_sdk::secrets::{self, AWSCURRENT, Selector};
use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

/// The secret the tests create next to the rotated one.
const OTHER_SECRET: &str = "sandbox/ungranted";

struct ReadUngranted;

impl Rotator for ReadUngranted {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-read-ungranted", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        secrets::get_required(OTHER_SECRET, &Selector::stage(AWSCURRENT)).map(drop)
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(ReadUngranted);
