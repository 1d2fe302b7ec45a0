//! The authentication and authorization hook of the API server.
//!
//! The server calls an [`Authenticator`] for every request to `POST /`:
//!
//! 1. [`Authenticator::authenticate`] before the body is parsed, with the
//!    request head and the raw body bytes (SigV4 signs the SHA-256 of the body).
//!    It returns the [`Caller`] or an [`ApiError`] that the server sends as is.
//! 2. [`Authenticator::authorize`] once per action the operation performs,
//!    after the secret named in the request has been resolved. It receives
//!    the IAM action (`secretsmanager:GetSecretValue`) and the secret's full
//!    ARN, or `"*"` for operations without a resource such as `ListSecrets`
//!    and `GetRandomPassword`. It also receives the secret's resource policy
//!    and an [`AuthContext`] with the request's condition keys and the
//!    secret's tags.
//!
//! Authorization happens before any change is written, so a denied request
//! leaves no trace in the store. Operations that touch several things
//! authorize each action separately: `CreateSecret` with `Tags` also checks
//! `secretsmanager:TagResource`, and `BatchGetSecretValue` checks
//! `secretsmanager:BatchGetSecretValue` on `"*"` and then
//! `secretsmanager:GetSecretValue` on each secret (a denial there becomes an
//! entry in the response's `Errors` list).
//!
//! When the secret does not exist yet (`CreateSecret`) or is not found, the
//! resource is the `SecretId` when that is an ARN, and otherwise
//! `arn:aws:secretsmanager:<region>:<account>:secret:<name>-??????`: the ARN
//! with its random suffix written as six literal `?`, so that the resource
//! patterns AWS recommends (`<name>-??????`, `<name>-*`, `<prefix>/*`) match
//! it. There is no resource policy and no tags in that case; an operation on
//! a missing secret fails with `ResourceNotFoundException` once authorization
//! passed.
//!
//! [`AllowAll`] accepts every request; `tumbler serve --allow-unauthenticated`
//! and the API tests use it.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::http::request::Parts;

use super::error::ApiError;

/// Verifies who sent a request and whether that caller may perform an action.
///
/// Implementations must be cheap to call concurrently; the server shares one
/// instance between all connections behind an `Arc`.
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// Verifies the request signature and returns the caller.
    ///
    /// `request` is the head of the HTTP request: method, URI, headers
    /// (`Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`, `Host`, ...) and
    /// extensions, where the server puts an
    /// `axum::extract::ConnectInfo<std::net::SocketAddr>` with the peer address
    /// and a [`ChangeMarker`](crate::store::ChangeMarker) read from the
    /// secrets store for this request (absent when the store cannot report
    /// commits).
    /// `body` is the complete request body, at most
    /// [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES) long. The error is sent to the
    /// client unchanged, so it should carry the AWS error type
    /// (`MissingAuthenticationTokenException`, `IncompleteSignatureException`,
    /// `UnrecognizedClientException`, `InvalidSignatureException`, ...).
    async fn authenticate(&self, request: &Parts, body: &[u8]) -> Result<Caller, ApiError>;

    /// Checks whether `caller` may perform `action` on `resource`.
    ///
    /// - `action` is the IAM action name with its service prefix, for example
    ///   `secretsmanager:GetSecretValue`.
    /// - `resource` is the secret's full ARN, or `"*"` for actions that act on
    ///   no single secret (`ListSecrets`, `GetRandomPassword`,
    ///   `BatchGetSecretValue`, `ValidateResourcePolicy` without `SecretId`).
    ///   For a secret that does not exist, see the module documentation.
    /// - `resource_policy` is the secret's resource policy document (JSON), if
    ///   one is attached.
    /// - `context` carries the request condition keys and the secret's tags.
    ///
    /// Returns `Err` (usually `AccessDeniedException`, see
    /// [`ApiError::access_denied`]) to reject the request.
    async fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        resource_policy: Option<&str>,
        context: &AuthContext,
    ) -> Result<(), ApiError>;

    /// Reports whether [`authorize`](Authenticator::authorize) reads the
    /// resource policy and the resource tags. When it returns `false`, the server skips
    /// loading them: `resource_policy` is `None`, the tags are empty, and
    /// `resource` is derived from the request alone (see the module
    /// documentation for secrets that do not exist).
    fn needs_resource_context(&self) -> bool {
        true
    }
}

/// The principal that sent a request, as established by
/// [`Authenticator::authenticate`].
#[derive(Clone)]
pub struct Caller {
    /// Principal ARN, for example `arn:aws:iam::000000000000:user/alice`.
    /// Written to logs and audit records, and matched against `Principal` in
    /// resource policies.
    pub principal_arn: String,
    /// Account id of the principal (12 digits).
    pub account: String,
    /// Access key id that signed the request; `None` for [`AllowAll`].
    pub access_key_id: Option<String>,
    /// Data the authenticator attaches for its own use in
    /// [`Authenticator::authorize`], such as the key's identity policies, so
    /// that authorization does not load them again. The server never reads it.
    pub details: Option<Arc<dyn Any + Send + Sync>>,
}

impl Caller {
    /// The caller that [`AllowAll`] returns: the account root of `account`.
    pub fn anonymous(account: &str) -> Self {
        Self {
            principal_arn: format!("arn:aws:iam::{account}:root"),
            account: account.to_owned(),
            access_key_id: None,
            details: None,
        }
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("principal_arn", &self.principal_arn)
            .field("account", &self.account)
            .field("access_key_id", &self.access_key_id)
            .field("details", &self.details.as_ref().map(|_| ".."))
            .finish()
    }
}

/// Request context for policy conditions.
#[derive(Debug, Clone, Default)]
pub struct AuthContext {
    /// Peer address of the connection, for `aws:SourceIp`.
    pub source_ip: Option<SocketAddr>,
    /// Whether the connection used TLS, for `aws:SecureTransport`.
    pub secure_transport: bool,
    /// Name of the secret the action targets, when there is one.
    pub secret_name: Option<String>,
    /// Tags currently on the secret, for `aws:ResourceTag/<key>` and
    /// `secretsmanager:ResourceTag/<key>`. Empty when the secret has none or
    /// does not exist yet.
    pub resource_tags: BTreeMap<String, String>,
    /// Service-specific condition keys taken from the request, by full key name
    /// and with every value the request supplies. The server fills these keys
    /// when the request carries the field:
    ///
    /// | key | from |
    /// | --- | --- |
    /// | `secretsmanager:SecretId` | `SecretId` as sent |
    /// | `secretsmanager:Name` | `Name` of CreateSecret |
    /// | `secretsmanager:VersionId` | `VersionId`, `MoveToVersionId` |
    /// | `secretsmanager:VersionStage` | `VersionStage`, `VersionStages`, or `AWSCURRENT` |
    /// | `secretsmanager:Description` | `Description` |
    /// | `secretsmanager:KmsKeyId` | `KmsKeyId` |
    /// | `secretsmanager:RotationLambdaARN` | `RotationLambdaARN` |
    /// | `secretsmanager:ForceDeleteWithoutRecovery` | `"true"` / `"false"` |
    /// | `secretsmanager:RecoveryWindowInDays` | the number as text |
    /// | `secretsmanager:BlockPublicPolicy` | `"true"` / `"false"` |
    /// | `aws:RequestTag/<key>` | each tag of `Tags` |
    /// | `aws:TagKeys` | the keys of `Tags`, or `TagKeys` of UntagResource |
    ///
    /// Global keys that do not depend on the request body (`aws:CurrentTime`,
    /// `aws:PrincipalArn`, ...) are the authenticator's to supply.
    pub request_keys: BTreeMap<String, Vec<String>>,
}

impl AuthContext {
    /// Adds one value of a request condition key.
    pub fn add(&mut self, key: &str, value: impl Into<String>) {
        self.request_keys
            .entry(key.to_owned())
            .or_default()
            .push(value.into());
    }

    /// Returns the values of a condition key: request keys first, then the
    /// resource tags for `aws:ResourceTag/<key>` and
    /// `secretsmanager:ResourceTag/<key>`. Key names match case-insensitively
    /// as in IAM, except the tag key after the slash.
    pub fn values(&self, key: &str) -> Vec<String> {
        if let Some((prefix, tag_key)) = key.split_once('/') {
            let prefix = prefix.to_ascii_lowercase();
            if prefix == "aws:resourcetag" || prefix == "secretsmanager:resourcetag" {
                return self
                    .resource_tags
                    .get(tag_key)
                    .cloned()
                    .into_iter()
                    .collect();
            }
            if prefix == "aws:requesttag" {
                return self
                    .request_keys
                    .get(&format!("aws:RequestTag/{tag_key}"))
                    .cloned()
                    .unwrap_or_default();
            }
        }
        self.request_keys
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, values)| values.clone())
            .unwrap_or_default()
    }
}

/// Accepts every request as the account root. Use it only on a listener that
/// no one else can reach.
#[derive(Debug, Clone)]
pub struct AllowAll {
    account: String,
}

impl AllowAll {
    pub fn new(account: &str) -> Self {
        Self {
            account: account.to_owned(),
        }
    }
}

#[async_trait]
impl Authenticator for AllowAll {
    async fn authenticate(&self, _request: &Parts, _body: &[u8]) -> Result<Caller, ApiError> {
        Ok(Caller::anonymous(&self.account))
    }

    async fn authorize(
        &self,
        _caller: &Caller,
        _action: &str,
        _resource: &str,
        _resource_policy: Option<&str>,
        _context: &AuthContext,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    fn needs_resource_context(&self) -> bool {
        false
    }
}
