//! [`SigV4Authenticator`]: the API server's [`Authenticator`] backed by
//! Tumbler-issued access keys and IAM-style policies.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use axum::http::request::Parts;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::condition::ConditionKeys;
use super::error::AuthError;
use super::evaluate::{Decision, EvaluationRequest, Policies, Principal, denial_message, evaluate};
use super::keys::{AccessKeyError, AccessKeys};
use super::policy::{PolicyDocument, PolicyKind};
use super::sigv4::SignedRequest;
use crate::api::{ApiError, AuthContext, Authenticator, Caller};
use crate::store::ChangeMarker;

/// Access key id and secret accepted as an administrator in dev mode. Local
/// AWS emulators accept the same pair, so tools configured for them work.
pub const DEV_ACCESS_KEY_ID: &str = "test";
const DEV_SECRET_ACCESS_KEY: &[u8] = b"test";

/// How often a key's last-used date is written, at most; a write on every
/// request would serialize all requests on the SQLite write lock.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// Key data found by `authenticate`, kept in [`Caller::details`] for
/// `authorize`.
#[derive(Debug)]
struct KeyDetails {
    /// User name in the principal ARN.
    name: String,
    is_admin: bool,
    policy: Option<Arc<PolicyDocument>>,
    tags: BTreeMap<String, String>,
    /// Region of the credential scope, for `aws:RequestedRegion`.
    region: String,
}

/// Verifies SigV4 signatures against stored access keys and evaluates
/// identity and resource policies.
#[derive(Debug, Clone)]
pub struct SigV4Authenticator {
    keys: AccessKeys,
    account: String,
    dev: bool,
}

impl SigV4Authenticator {
    /// `account` is the account id in principal ARNs. With `dev`, requests
    /// signed with the key `test` and secret `test` are accepted as an
    /// administrator; this is logged as a warning.
    pub fn new(keys: AccessKeys, account: &str, dev: bool) -> Self {
        if dev {
            tracing::warn!(
                access_key_id = DEV_ACCESS_KEY_ID,
                "DEV MODE: the well-known test credentials are accepted as an administrator; \
                 anyone who can reach the listener has full access. Never use dev mode \
                 outside a local test setup"
            );
        }
        SigV4Authenticator {
            keys,
            account: account.to_owned(),
            dev,
        }
    }

    fn principal_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:user/{name}", self.account)
    }

    fn caller(&self, access_key_id: &str, details: KeyDetails) -> Caller {
        Caller {
            principal_arn: self.principal_arn(&details.name),
            account: self.account.clone(),
            access_key_id: Some(access_key_id.to_owned()),
            details: Some(Arc::new(details)),
        }
    }

    async fn verify(&self, request: &Parts, body: &[u8]) -> Result<Caller, AuthError> {
        let now = OffsetDateTime::now_utc();
        let signed = SignedRequest::parse(request, body, now)?;
        let access_key_id = signed.access_key_id();

        if self.dev && access_key_id == DEV_ACCESS_KEY_ID {
            signed.verify(DEV_SECRET_ACCESS_KEY)?;
            let details = KeyDetails {
                name: DEV_ACCESS_KEY_ID.to_owned(),
                is_admin: true,
                policy: None,
                tags: BTreeMap::new(),
                region: signed.region().to_owned(),
            };
            return Ok(self.caller(access_key_id, details));
        }

        let request_marker = request.extensions.get::<ChangeMarker>().copied();
        let resolved = self
            .keys
            .resolve_at(request_marker, access_key_id)
            .await
            .map_err(|error| match error {
                AccessKeyError::Store(error) => AuthError::internal_store(access_key_id, error),
                AccessKeyError::Crypto(error) => AuthError::internal_crypto(access_key_id, error),
                other => AuthError::Internal {
                    access_key_id: access_key_id.to_owned(),
                    reason: other.to_string(),
                },
            })?;
        let Some(key) = resolved else {
            return Err(AuthError::UnrecognizedClient);
        };
        signed.verify_with_signing_key(&key.signing_key(&signed))?;

        let stale = key
            .record
            .last_used_at
            .is_none_or(|last| now - last >= LAST_USED_RESOLUTION);
        if stale {
            if let Err(error) = self.keys.store().touch_access_key(access_key_id, now).await {
                tracing::warn!(access_key_id, %error, "failed to record the key's last use");
            }
        }

        let details = KeyDetails {
            name: key.record.name.clone(),
            is_admin: key.record.is_admin,
            policy: key.policy.clone(),
            tags: key.record.tags.clone(),
            region: signed.region().to_owned(),
        };
        Ok(self.caller(access_key_id, details))
    }
}

#[async_trait]
impl Authenticator for SigV4Authenticator {
    async fn authenticate(&self, request: &Parts, body: &[u8]) -> Result<Caller, ApiError> {
        self.verify(request, body).await.map_err(|error| {
            match &error {
                AuthError::Internal {
                    access_key_id,
                    reason,
                } => {
                    tracing::error!(access_key_id, reason, "failed to load an access key");
                }
                other => tracing::debug!(
                    error_type = other.aws_type(),
                    "request authentication failed"
                ),
            }
            ApiError::from(error)
        })
    }

    async fn authorize(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        resource_policy: Option<&str>,
        context: &AuthContext,
    ) -> Result<(), ApiError> {
        let details = caller
            .details
            .as_ref()
            .and_then(|details| details.downcast_ref::<KeyDetails>());
        let deny = |decision| {
            let message = denial_message(&caller.principal_arn, action, resource, decision);
            tracing::info!(
                principal = %caller.principal_arn,
                action,
                resource,
                ?decision,
                "request denied by policy"
            );
            Err(ApiError::access_denied(message))
        };
        // A caller that this authenticator did not create has no key, so no
        // policy can allow it.
        let Some(details) = details else {
            return deny(Decision::ImplicitDeny);
        };

        let resource_policy =
            match resource_policy.map(|json| PolicyDocument::parse(json, PolicyKind::Resource)) {
                None => None,
                Some(Ok(policy)) => Some(policy),
                // A stored policy that no longer parses grants nothing; only an
                // administrator can act on the secret, for example to replace it.
                Some(Err(error)) => {
                    tracing::warn!(resource, %error, "the secret's resource policy does not parse");
                    if !details.is_admin {
                        return deny(Decision::ImplicitDeny);
                    }
                    None
                }
            };

        let keys = RequestKeys {
            context,
            caller,
            details,
            now: OffsetDateTime::now_utc(),
        };
        let request = EvaluationRequest {
            principal: Principal {
                arn: &caller.principal_arn,
                account: &caller.account,
                access_key_id: caller.access_key_id.as_deref(),
            },
            action,
            resource,
            keys: &keys,
        };
        let policies = Policies {
            identity: details.policy.as_deref().map(std::slice::from_ref).unwrap_or_default(),
            resource: resource_policy.as_ref(),
            is_admin: details.is_admin,
        };
        match evaluate(&request, &policies) {
            Decision::Allow => Ok(()),
            decision => deny(decision),
        }
    }
}

/// Condition keys of one request: the server's [`AuthContext`] plus the global
/// keys that describe the caller and the time.
struct RequestKeys<'a> {
    context: &'a AuthContext,
    caller: &'a Caller,
    details: &'a KeyDetails,
    now: OffsetDateTime,
}

impl ConditionKeys for RequestKeys<'_> {
    fn values(&self, key: &str) -> Vec<String> {
        let lower = key.to_ascii_lowercase();
        if let Some(tag_key) = lower.strip_prefix("aws:principaltag/") {
            return self
                .details
                .tags
                .iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case(tag_key))
                .map(|(_, value)| value.clone())
                .collect();
        }
        let single = |value: String| vec![value];
        match lower.as_str() {
            "aws:principalarn" => single(self.caller.principal_arn.clone()),
            "aws:principalaccount" => single(self.caller.account.clone()),
            "aws:principaltype" => single("User".to_owned()),
            "aws:principalisawsservice" => single("false".to_owned()),
            "aws:username" => single(self.details.name.clone()),
            "aws:userid" => self.caller.access_key_id.clone().into_iter().collect(),
            "aws:requestedregion" => single(self.details.region.clone()),
            "aws:securetransport" => single(self.context.secure_transport.to_string()),
            "aws:sourceip" => self
                .context
                .source_ip
                .map(|address| address.ip().to_canonical().to_string())
                .into_iter()
                .collect(),
            "aws:currenttime" => self.now.format(&Rfc3339).ok().into_iter().collect(),
            "aws:epochtime" => single(self.now.unix_timestamp().to_string()),
            "secretsmanager:name" => {
                let values = self.context.values(key);
                if values.is_empty() {
                    self.context.secret_name.clone().into_iter().collect()
                } else {
                    values
                }
            }
            _ => self.context.values(key),
        }
    }
}

#[cfg(test)]
#[path = "authenticator_tests.rs"]
mod tests;
