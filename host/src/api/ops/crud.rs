//! CreateSecret, PutSecretValue and UpdateSecret.

use serde::{Deserialize, Serialize};

use super::{Blob, TagShape, require_token, required, secret_value, tags_from_shapes};
use crate::api::auth_hook::AuthContext;
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::secrets::{CreateSecretInput, PutSecretValueInput, Tag, UpdateSecretInput};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateSecretRequest {
    name: Option<String>,
    client_request_token: Option<String>,
    description: Option<String>,
    kms_key_id: Option<String>,
    secret_binary: Option<Blob>,
    secret_string: Option<String>,
    tags: Option<Vec<TagShape>>,
    add_replica_regions: Option<Vec<ReplicaRegion>>,
    force_overwrite_replica_secret: Option<bool>,
    #[serde(rename = "Type")]
    secret_type: Option<String>,
}

/// A `ReplicaRegionType` member; replication is not supported, so it is
/// only parsed to reject it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReplicaRegion {
    #[allow(dead_code, reason = "parsed only to validate the shape")]
    region: Option<String>,
    #[allow(dead_code, reason = "parsed only to validate the shape")]
    kms_key_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

pub async fn create_secret(
    ctx: &RequestContext,
    input: CreateSecretRequest,
) -> Result<CreateSecretResponse, ApiError> {
    let token = require_token(input.client_request_token, "InvalidRequestException")?;
    let name = required(input.name, "name")?;
    reject_type(input.secret_type.as_deref())?;
    if input
        .add_replica_regions
        .is_some_and(|regions| !regions.is_empty())
    {
        return Err(replication_unsupported());
    }
    let _ = input.force_overwrite_replica_secret;
    let value = secret_value(input.secret_string, input.secret_binary)?;
    let tags = tags_from_shapes(input.tags.unwrap_or_default())?;

    let mut context = ctx.auth_context();
    context.add("secretsmanager:Name", name.as_str());
    add_metadata_keys(
        &mut context,
        input.description.as_deref(),
        input.kms_key_id.as_deref(),
    );
    add_request_tags(&mut context, &tags);
    ctx.authorize_new_secret(Operation::CreateSecret.action(), &name, context.clone())
        .await?;
    if !tags.is_empty() {
        ctx.authorize_new_secret(Operation::TagResource.action(), &name, context)
            .await?;
    }

    let output = ctx
        .secrets()
        .create_secret(CreateSecretInput {
            name,
            client_request_token: Some(token),
            description: input.description,
            kms_key_id: input.kms_key_id,
            value,
            tags,
        })
        .await?;
    Ok(CreateSecretResponse {
        arn: output.arn,
        name: output.name,
        version_id: output.version_id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PutSecretValueRequest {
    secret_id: Option<String>,
    client_request_token: Option<String>,
    secret_binary: Option<Blob>,
    secret_string: Option<String>,
    version_stages: Option<Vec<String>>,
    /// Identifies the rotation for cross-account rotation functions in AWS.
    /// Tumbler runs rotators itself, so the token is accepted and not used.
    #[allow(dead_code, reason = "accepted for compatibility, see the doc comment")]
    rotation_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutSecretValueResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    version_id: String,
    version_stages: Vec<String>,
}

pub async fn put_secret_value(
    ctx: &RequestContext,
    input: PutSecretValueRequest,
) -> Result<PutSecretValueResponse, ApiError> {
    let token = require_token(input.client_request_token, "InvalidRequestException")?;
    let secret_id = required(input.secret_id, "secretId")?;
    let Some(value) = secret_value(input.secret_string, input.secret_binary)? else {
        return Err(ApiError::invalid_request(
            "You must provide either SecretString or SecretBinary.",
        ));
    };

    let mut context = ctx.auth_context();
    for stage in input.version_stages.iter().flatten() {
        context.add("secretsmanager:VersionStage", stage.as_str());
    }
    ctx.authorize_secret(Operation::PutSecretValue.action(), &secret_id, context)
        .await?;

    let output = ctx
        .secrets()
        .put_secret_value(PutSecretValueInput {
            secret_id,
            client_request_token: Some(token),
            value,
            version_stages: input.version_stages,
        })
        .await?;
    Ok(PutSecretValueResponse {
        arn: output.arn,
        name: output.name,
        version_id: output.version_id,
        version_stages: output.version_stages,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateSecretRequest {
    secret_id: Option<String>,
    client_request_token: Option<String>,
    description: Option<String>,
    kms_key_id: Option<String>,
    secret_binary: Option<Blob>,
    secret_string: Option<String>,
    #[serde(rename = "Type")]
    secret_type: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<String>,
}

pub async fn update_secret(
    ctx: &RequestContext,
    input: UpdateSecretRequest,
) -> Result<UpdateSecretResponse, ApiError> {
    let value = secret_value(input.secret_string, input.secret_binary)?;
    // A token matters only when a new version is written; SDKs always send one.
    let token = match &value {
        Some(_) => Some(require_token(
            input.client_request_token,
            "InvalidRequestException",
        )?),
        None => input.client_request_token,
    };
    let secret_id = required(input.secret_id, "secretId")?;
    reject_type(input.secret_type.as_deref())?;

    let mut context = ctx.auth_context();
    add_metadata_keys(
        &mut context,
        input.description.as_deref(),
        input.kms_key_id.as_deref(),
    );
    ctx.authorize_secret(Operation::UpdateSecret.action(), &secret_id, context)
        .await?;

    let output = ctx
        .secrets()
        .update_secret(UpdateSecretInput {
            secret_id,
            client_request_token: token,
            description: input.description,
            kms_key_id: input.kms_key_id,
            value,
        })
        .await?;
    Ok(UpdateSecretResponse {
        arn: output.arn,
        name: output.name,
        version_id: output.version_id,
    })
}

fn add_metadata_keys(
    context: &mut AuthContext,
    description: Option<&str>,
    kms_key_id: Option<&str>,
) {
    if let Some(description) = description {
        context.add("secretsmanager:Description", description);
    }
    if let Some(kms_key_id) = kms_key_id {
        context.add("secretsmanager:KmsKeyId", kms_key_id);
    }
}

/// Adds `aws:RequestTag/<key>` and `aws:TagKeys` for tags in a request.
pub(crate) fn add_request_tags(context: &mut AuthContext, tags: &[Tag]) {
    for tag in tags {
        context.add(&format!("aws:RequestTag/{}", tag.key), tag.value.as_str());
        context.add("aws:TagKeys", tag.key.as_str());
    }
}

/// `Type` marks secrets managed by a partner service, which Tumbler does
/// not have.
fn reject_type(secret_type: Option<&str>) -> Result<(), ApiError> {
    match secret_type {
        None | Some("") => Ok(()),
        Some(_) => Err(ApiError::invalid_parameter(
            "Tumbler does not support the Type parameter (secrets managed by a partner service); \
             omit it.",
        )),
    }
}

pub(crate) fn replication_unsupported() -> ApiError {
    ApiError::invalid_request(
        "Tumbler stores every secret in a single region and does not support replication to \
         other regions.",
    )
}
