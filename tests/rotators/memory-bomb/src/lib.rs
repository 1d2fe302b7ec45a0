//! Fixture: setSecret allocates 1 MiB blocks and keeps them until the
//! host's memory limit stops it.

use tumbler_sdk::{Event, RotationError, Rotator, RotatorInfo};

const BLOCK_BYTES: usize = 1 << 20;

/// More than any memory limit the host accepts (4 GiB), so the loop ends
/// only through the limit.
const MAX_BLOCKS: usize = 8192;

struct MemoryBomb;

impl Rotator for MemoryBomb {
    fn info() -> RotatorInfo {
        tumbler_sdk::rotator_info("fixture-memory-bomb", env!("CARGO_PKG_VERSION"), &[])
    }

    fn set_secret(_event: &Event) -> Result<(), RotationError> {
        let mut blocks: Vec<Vec<u8>> = Vec::new();
        for index in 0..MAX_BLOCKS {
            let mut block = vec![0u8; BLOCK_BYTES];
            block[index % BLOCK_BYTES] = 1;
            blocks.push(std::hint::black_box(block));
        }
        Err(RotationError::Other(format!(
            "allocated {} blocks without reaching a memory limit",
            blocks.len()
        )))
    }

    fn test_secret(_event: &Event) -> Result<(), RotationError> {
        Ok(())
    }
}

tumbler_sdk::export_rotator!(MemoryBomb);
