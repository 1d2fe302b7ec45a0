//! Host implementations of the `tumbler:rotator` interfaces, one file each.

pub mod database;
pub mod http;
pub mod log;
pub mod mysql;
pub mod postgres;
pub mod secrets;

use super::bindings::tumbler::rotator::types;
use super::state::StepState;

impl types::Host for StepState {}
