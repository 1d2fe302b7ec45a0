//! Conformance harness for rotators.
//!
//! [`Harness`] loads a rotator component into a temporary data directory with
//! its own SQLite store and key file, stores one secret, and rotates it
//! several ways with the production [`RotationEngine`](crate::rotation::RotationEngine):
//!
//! | check | what it does |
//! | --- | --- |
//! | `full-rotation` | runs the four steps once |
//! | `idempotency` | runs every step twice in a row, as a retried call would |
//! | `restart` | builds a new engine after each step and resumes with the same token |
//! | `wrong-token` | calls every step with tokens that are not the AWSPENDING version |
//! | `missing-pending` | calls every step after AWSPENDING was removed |
//!
//! After each check the harness compares the staging labels with the AWS
//! rules. Exactly one version carries AWSCURRENT, the new one after a
//! rotation. AWSPREVIOUS is on the version before, and AWSPENDING is absent
//! or on AWSCURRENT. The harness also tries the AWSCURRENT credentials where
//! it can log in itself.
//! The checks run in this order on the same secret, so each starts from the
//! credentials that the one before left current.
//!
//! ```no_run
//! # async fn example() -> Result<(), tumbler::harness::HarnessError> {
//! use tumbler::harness::{Harness, HarnessOptions};
//!
//! let component = std::fs::read("target/wasm32-wasip2/release/my_rotator.wasm")?;
//! let mut options = HarnessOptions::new(r#"{"engine":"postgres","host":"127.0.0.1","username":"app","password":"initial-Password-1"}"#);
//! options.allow_hosts = vec!["postgres://127.0.0.1:5432".to_string()];
//! let report = Harness::new(&component, options).await?.run().await;
//! assert!(report.passed(), "{}", report.table());
//! # Ok(())
//! # }
//! ```

mod checks;
mod credentials;
mod error;
mod probes;
mod report;
mod runner;
mod sandbox;
mod snapshot;

pub use credentials::{CredentialCheck, CredentialStatus, EngineCredentialCheck};
pub use error::HarnessError;
pub use runner::{Harness, HarnessOptions};
pub use report::{Check, CheckResult, HarnessReport};
