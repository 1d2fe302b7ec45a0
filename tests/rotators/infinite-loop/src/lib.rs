//! Fixture: setSecret spins forever, so only the host's epoch deadline
//! stops it.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

struct InfiniteLoop;

impl Rotator for InfiniteLoop {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-infinite-loop", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        let mut counter: u64 = 0;
        loop {
            // black_box keeps the optimizer from proving the loop useless.
            counter = std::hint::black_box(counter.wrapping_add(1));
        }
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(InfiniteLoop);
