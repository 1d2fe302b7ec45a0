//! Request authentication and authorization.
//!
//! - [`sigv4`]: AWS Signature Version 4 verification of request headers.
//! - [`AccessKeys`] over an [`AccessKeyStore`]: Tumbler-issued access keys
//!   with sealed secrets; [`bootstrap_admin_key`] creates the first one.
//! - [`PolicyDocument`], [`evaluate`]: IAM-style identity and resource
//!   policies, with [`validate_policy`] and [`is_public`] for the resource
//!   policy operations.
//! - [`SigV4Authenticator`]: the API server's authenticator built from them.

mod authenticator;
mod bootstrap;
mod condition;
mod error;
mod evaluate;
mod keys;
mod policy;
pub mod sigv4;
mod validate;

pub use authenticator::{DEV_ACCESS_KEY_ID, SigV4Authenticator};
pub use bootstrap::{ADMIN_CREDENTIALS_FILE, ADMIN_KEY_NAME, bootstrap_admin_key};
pub use condition::{Condition, ConditionKeys};
pub use error::AuthError;
pub use evaluate::{Decision, EvaluationRequest, Policies, Principal, denial_message, evaluate};
pub use keys::{
    AccessKeyError, AccessKeyRecord, AccessKeyStore, AccessKeys, CreatedKey, KEY_ID_PREFIX,
    NewAccessKey, ResolvedKey, validate_identity_policy,
};
pub use policy::{PolicyDocument, PolicyError, PolicyKind};
pub use validate::{ValidationError, is_public, validate_policy};
