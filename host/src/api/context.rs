//! Per-request state handed to the operations, and the authorization calls
//! they make.

use std::net::SocketAddr;
use std::sync::Arc;

use super::auth_hook::{AuthContext, Caller};
use super::error::ApiError;
use super::server::ServerState;
use crate::secrets::{SecretsError, SecretsService};
use crate::store::ChangeMarker;

/// Condition key with the `SecretId` as the request sent it.
const SECRET_ID_KEY: &str = "secretsmanager:SecretId";

/// The request data and shared state an operation works with.
pub struct RequestContext {
    pub(crate) state: Arc<ServerState>,
    pub caller: Caller,
    pub peer: Option<SocketAddr>,
    /// The store's change marker, read once when the request arrived. Reads
    /// that come before any write of the request (authorization and the
    /// read-only operations) check the caches against it, instead of
    /// reading the marker again for every cached row.
    pub read_marker: Option<ChangeMarker>,
}

impl RequestContext {
    pub fn secrets(&self) -> &SecretsService {
        &self.state.secrets
    }

    /// Builds an authorization context with the connection's details.
    pub fn auth_context(&self) -> AuthContext {
        AuthContext {
            source_ip: self.peer,
            secure_transport: false,
            ..AuthContext::default()
        }
    }

    /// Authorizes an action that targets no single secret (resource `"*"`).
    pub async fn authorize_global(
        &self,
        action: &str,
        context: &AuthContext,
    ) -> Result<(), ApiError> {
        self.state
            .authenticator
            .authorize(&self.caller, action, "*", None, context)
            .await
    }

    /// Authorizes an action on the secret that `secret_id` names, with the
    /// secret's resource policy and tags. A secret that does not exist is
    /// authorized against the ARN it would have, and the operation reports
    /// it missing afterwards.
    pub async fn authorize_secret(
        &self,
        action: &str,
        secret_id: &str,
        mut context: AuthContext,
    ) -> Result<(), ApiError> {
        context.add(SECRET_ID_KEY, secret_id);
        let authenticator = &self.state.authenticator;
        if !authenticator.needs_resource_context() {
            let resource = self.would_be_arn(secret_id);
            return authenticator
                .authorize(&self.caller, action, &resource, None, &context)
                .await;
        }

        let found = self
            .secrets()
            .resource_context_at(self.read_marker, secret_id)
            .await;
        let (resource, policy) = match found {
            Ok(secret) => {
                context.resource_tags = secret.tags;
                context.secret_name = Some(secret.name);
                (secret.arn, secret.resource_policy)
            }
            Err(SecretsError::ResourceNotFound(_)) => (self.would_be_arn(secret_id), None),
            Err(other) => return Err(other.into()),
        };
        authenticator
            .authorize(&self.caller, action, &resource, policy.as_deref(), &context)
            .await
    }

    /// Authorizes an action on a secret that is about to be created under
    /// `name`.
    pub async fn authorize_new_secret(
        &self,
        action: &str,
        name: &str,
        mut context: AuthContext,
    ) -> Result<(), ApiError> {
        context.secret_name = Some(name.to_owned());
        let resource = self.would_be_arn(name);
        self.state
            .authenticator
            .authorize(&self.caller, action, &resource, None, &context)
            .await
    }

    /// Derives the ARN used to authorize a secret that does not exist: the
    /// `SecretId` itself when it is an ARN, else the ARN of the name with the
    /// random suffix written as `??????`.
    fn would_be_arn(&self, secret_id: &str) -> String {
        if secret_id.starts_with("arn:") {
            return secret_id.to_owned();
        }
        format!("{}{secret_id}-??????", self.secrets().config().arn_prefix())
    }
}
