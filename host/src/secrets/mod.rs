//! The secrets domain with AWS Secrets Manager semantics: names, ARNs,
//! versions, staging labels, idempotency tokens, values and random passwords.
//!
//! [`SecretsService`] is the entry point; the API layer, the CLI and the
//! rotation engine call it. It seals values with [`crate::crypto`] and keeps
//! them through a [`crate::store::Store`].

mod arn;
mod describe;
mod error;
mod labels;
mod lifecycle;
mod name;
mod password;
mod policy;
mod read;
mod rotation;
mod rotation_config;
mod rotator_pin;
mod schedule;
mod service;
mod stage;
mod types;
mod validate;
mod value;
mod write;

pub use arn::{SecretLookup, ServiceConfig, classify};
pub use describe::{SecretDescription, SecretListEntry, epoch_seconds_f64};
pub use error::SecretsError;
pub use labels::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, LabelState, MAX_LABELS_PER_SECRET, moves_for_new_version,
    moves_for_stage_update,
};
pub use lifecycle::{CancelRotationOutput, DeleteSecretOutput};
pub use name::{validate_name, validate_secret_id};
pub use password::{PasswordSpec, generate_password};
pub use policy::{MAX_RESOURCE_POLICY_LEN, ResourcePolicyOutput, validate_policy_length};
pub use rotation::ROTATION_STEPS;
pub use service::SecretsService;
pub use types::*;
pub use value::{MAX_VALUE_LEN, SecretValue, ValueKind};

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod rotation_tests;
#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod test_support;
