//! PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy and
//! ValidateResourcePolicy.

use serde::{Deserialize, Serialize};

use super::{ArnAndName, SecretIdInput, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::auth::{PolicyDocument, PolicyKind, validate_policy};
use crate::secrets::validate_policy_length;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutResourcePolicyRequest {
    secret_id: Option<String>,
    resource_policy: Option<String>,
    block_public_policy: Option<bool>,
}

pub async fn put_resource_policy(
    ctx: &RequestContext,
    input: PutResourcePolicyRequest,
) -> Result<ArnAndName, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let policy = required(input.resource_policy, "resourcePolicy")?;
    // AWS blocks public policies only when asked to.
    let block_public = input.block_public_policy.unwrap_or(false);
    validate_policy_length(&policy)?;

    let mut context = ctx.auth_context();
    context.add("secretsmanager:BlockPublicPolicy", block_public.to_string());
    ctx.authorize_secret(Operation::PutResourcePolicy.action(), &secret_id, context)
        .await?;

    let document = PolicyDocument::parse(&policy, PolicyKind::Resource)
        .map_err(|error| malformed(error.message))?;
    if block_public && document.is_public() {
        return Err(ApiError::client(
            "PublicPolicyException",
            "The resource policy allows access to everyone (Principal \"*\" without a \
             Condition), and BlockPublicPolicy is set. Name the principals or add a Condition.",
        ));
    }

    let secret = ctx
        .secrets()
        .put_resource_policy(&secret_id, &policy)
        .await?;
    Ok(ArnAndName {
        arn: secret.arn,
        name: secret.name,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetResourcePolicyResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_policy: Option<String>,
}

pub async fn get_resource_policy(
    ctx: &RequestContext,
    input: SecretIdInput,
) -> Result<GetResourcePolicyResponse, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    ctx.authorize_secret(
        Operation::GetResourcePolicy.action(),
        &secret_id,
        ctx.auth_context(),
    )
    .await?;
    let output = ctx.secrets().get_resource_policy(&secret_id).await?;
    Ok(GetResourcePolicyResponse {
        arn: output.arn,
        name: output.name,
        resource_policy: output.resource_policy,
    })
}

pub async fn delete_resource_policy(
    ctx: &RequestContext,
    input: SecretIdInput,
) -> Result<ArnAndName, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    ctx.authorize_secret(
        Operation::DeleteResourcePolicy.action(),
        &secret_id,
        ctx.auth_context(),
    )
    .await?;
    let secret = ctx.secrets().delete_resource_policy(&secret_id).await?;
    Ok(ArnAndName {
        arn: secret.arn,
        name: secret.name,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ValidateResourcePolicyRequest {
    secret_id: Option<String>,
    resource_policy: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidateResourcePolicyResponse {
    policy_validation_passed: bool,
    validation_errors: Vec<ValidationErrorsEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValidationErrorsEntry {
    check_name: String,
    error_message: String,
}

pub async fn validate_resource_policy(
    ctx: &RequestContext,
    input: ValidateResourcePolicyRequest,
) -> Result<ValidateResourcePolicyResponse, ApiError> {
    let policy = required(input.resource_policy, "resourcePolicy")?;
    validate_policy_length(&policy)?;
    let action = Operation::ValidateResourcePolicy.action();
    match &input.secret_id {
        Some(secret_id) => {
            ctx.authorize_secret(action, secret_id, ctx.auth_context())
                .await?;
            ctx.secrets().resolve(secret_id).await?;
        }
        None => ctx.authorize_global(action, &ctx.auth_context()).await?,
    }

    // Text that is not JSON at all is an error of the call; every other
    // problem is a finding in ValidationErrors.
    if let Err(error) = serde_json::from_str::<serde_json::Value>(&policy) {
        return Err(malformed(format!(
            "The resource policy is not valid JSON: {error}."
        )));
    }
    let validation_errors: Vec<ValidationErrorsEntry> = validate_policy(&policy)
        .into_iter()
        .map(|error| ValidationErrorsEntry {
            check_name: error.check_name.to_owned(),
            error_message: error.error_message,
        })
        .collect();
    Ok(ValidateResourcePolicyResponse {
        policy_validation_passed: validation_errors.is_empty(),
        validation_errors,
    })
}

fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::client("MalformedPolicyDocumentException", message)
}
