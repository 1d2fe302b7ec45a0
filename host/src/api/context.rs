//! Per-request state handed to the operations, and the authorization calls
//! they make.

use std::net::SocketAddr;
use std::sync::Arc;

use super::auth_hook::{AuthContext, Caller};
use super::error::ApiError;
use super::server::ServerState;
use crate::secrets::{SecretsError, SecretsService};

/// Condition key with the `SecretId` as the request sent it.
const SECRET_ID_KEY: &str = "secretsmanager:SecretId";

/// The request data and shared state an operation works with.
pub struct RequestContext {
    pub(crate) state: Arc<ServerState>,
    pub caller: Caller,
    pub peer: Option<SocketAddr>,
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

        let (resource, policy) = match self.secrets().describe_secret(secret_id).await {
            Ok(description) => {
                let policy = self
                    .secrets()
                    .get_resource_policy(&description.arn)
                    .await?
                    .resource_policy;
                context.resource_tags = description
                    .tags
                    .unwrap_or_default()
                    .into_iter()
                    .map(|tag| (tag.key, tag.value))
                    .collect();
                context.secret_name = Some(description.name);
                (description.arn, policy)
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
