//! Rotation: the four-step engine, its policy, the rotator registry and the
//! scheduler.

pub mod engine;
pub mod error;
pub mod install;
pub mod http_settings;
pub mod policy;
pub mod registry;
pub mod scheduler;
pub mod settings;
pub mod steps;

pub use engine::{
    QuietObserver, RotateRequest, RotationEngine, RotationObserver, RotationReport, StartedRotation,
};
pub use error::RotationError;
pub use policy::{RetryPolicy, RotationPolicy};
pub use registry::RotatorRegistry;
pub use steps::{STEPS, StepName};
