//! Fixture: setSecret writes about 4 MiB of log lines, far past the host's
//! per-step log budget, then succeeds, so the rotation completes.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo, log};

const LINES: usize = 4096;
const LINE_BYTES: usize = 1024;

struct LogFlood;

impl Rotator for LogFlood {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-log-flood", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        let filler = "x".repeat(LINE_BYTES);
        for line in 0..LINES {
            log::info(&format!("flood line {line} {filler}"));
        }
        Ok(())
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(LogFlood);
