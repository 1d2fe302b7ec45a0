//! GetSecretValue, BatchGetSecretValue and DescribeSecret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::filters::{FilterShape, matches_all, parse_filters};
use super::{SecretIdInput, check_range, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::api::paging;
use crate::secrets::{SecretDescription, SecretValue, SecretValueOutput, epoch_seconds_f64};

/// Limits of BatchGetSecretValue (AWS model): ids per call and page size.
const MAX_BATCH_IDS: usize = 20;
const MAX_BATCH_RESULTS: i64 = 20;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetSecretValueRequest {
    secret_id: Option<String>,
    version_id: Option<String>,
    version_stage: Option<String>,
}

/// A secret value in the GetSecretValue shape, also used for the entries
/// of BatchGetSecretValue. The value is serialized as `SecretString` or as
/// base64 `SecretBinary`.
pub struct SecretValueEntry(SecretValueOutput);

impl Serialize for SecretValueEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let output = &self.0;
        let mut map = serializer.serialize_map(Some(6))?;
        map.serialize_entry("ARN", &output.arn)?;
        map.serialize_entry("Name", &output.name)?;
        map.serialize_entry("VersionId", &output.version_id)?;
        match &output.value {
            SecretValue::Text(text) => map.serialize_entry("SecretString", text.as_str())?,
            SecretValue::Binary(bytes) => {
                let encoded = zeroize::Zeroizing::new(STANDARD.encode(bytes.as_slice()));
                map.serialize_entry("SecretBinary", encoded.as_str())?;
            }
        }
        map.serialize_entry("VersionStages", &output.version_stages)?;
        map.serialize_entry("CreatedDate", &epoch_seconds_f64(output.created_date))?;
        map.end()
    }
}

pub async fn get_secret_value(
    ctx: &RequestContext,
    input: GetSecretValueRequest,
) -> Result<SecretValueEntry, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let mut context = ctx.auth_context();
    if let Some(version_id) = &input.version_id {
        context.add("secretsmanager:VersionId", version_id.as_str());
    }
    // AWS evaluates secretsmanager:VersionStage with AWSCURRENT when the
    // request names neither a version nor a stage.
    let stage = match (&input.version_id, &input.version_stage) {
        (_, Some(stage)) => Some(stage.as_str()),
        (None, None) => Some("AWSCURRENT"),
        (Some(_), None) => None,
    };
    if let Some(stage) = stage {
        context.add("secretsmanager:VersionStage", stage);
    }
    ctx.authorize_secret(Operation::GetSecretValue.action(), &secret_id, context)
        .await?;

    let output = ctx
        .secrets()
        .get_secret_value_at(
            ctx.read_marker,
            &secret_id,
            input.version_id.as_deref(),
            input.version_stage.as_deref(),
        )
        .await?;
    Ok(SecretValueEntry(output))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BatchGetSecretValueRequest {
    secret_id_list: Option<Vec<String>>,
    filters: Option<Vec<FilterShape>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchGetSecretValueResponse {
    secret_values: Vec<SecretValueEntry>,
    errors: Vec<ApiErrorEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

/// One failed secret of BatchGetSecretValue.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiErrorEntry {
    secret_id: String,
    error_code: String,
    message: String,
}

pub async fn batch_get_secret_value(
    ctx: &RequestContext,
    input: BatchGetSecretValueRequest,
) -> Result<BatchGetSecretValueResponse, ApiError> {
    let ids = match (input.secret_id_list, input.filters) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::invalid_parameter(
                "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
            ));
        }
        (Some(ids), None) => {
            if input.max_results.is_some() {
                return Err(ApiError::invalid_parameter(
                    "'Filters' not specified. 'Filters' must also be specified when \
                     'MaxResults' is provided.",
                ));
            }
            if ids.is_empty() || ids.len() > MAX_BATCH_IDS {
                return Err(ApiError::validation(format!(
                    "1 validation error detected: Value at 'secretIdList' failed to satisfy \
                     constraint: Member must have length between 1 and {MAX_BATCH_IDS}"
                )));
            }
            ctx.authorize_global(Operation::BatchGetSecretValue.action(), &ctx.auth_context())
                .await?;
            BatchIds {
                ids,
                next_token: None,
            }
        }
        (None, Some(filters)) => {
            let filters = parse_filters(filters)?;
            let size = input.max_results.unwrap_or(MAX_BATCH_RESULTS);
            check_range(size, "maxResults", 1, MAX_BATCH_RESULTS)?;
            ctx.authorize_global(Operation::BatchGetSecretValue.action(), &ctx.auth_context())
                .await?;
            filtered_ids(ctx, &filters, size as usize, input.next_token.as_deref()).await?
        }
    };

    let mut secret_values = Vec::new();
    let mut errors = Vec::new();
    for secret_id in ids.ids {
        match get_one(ctx, &secret_id).await {
            Ok(output) => secret_values.push(SecretValueEntry(output)),
            Err(error) => errors.push(ApiErrorEntry {
                secret_id,
                error_code: error.error_type,
                message: error.message,
            }),
        }
    }
    Ok(BatchGetSecretValueResponse {
        secret_values,
        errors,
        next_token: ids.next_token,
    })
}

struct BatchIds {
    ids: Vec<String>,
    next_token: Option<String>,
}

/// Lists the ARNs of one page of secrets that pass the filters, oldest
/// first. Secrets scheduled for deletion are left out.
async fn filtered_ids(
    ctx: &RequestContext,
    filters: &[super::filters::Filter],
    size: usize,
    next_token: Option<&str>,
) -> Result<BatchIds, ApiError> {
    let print = paging::fingerprint(&[&format!("{filters:?}")]);
    let offset = match next_token {
        Some(token) => paging::decode(token, &print)?,
        None => 0,
    };
    let mut secrets: Vec<SecretDescription> = ctx
        .secrets()
        .list_secrets_including(false)
        .await?
        .into_iter()
        .filter(|secret| matches_all(filters, secret))
        .collect();
    secrets.sort_by(|a, b| (a.created_date, &a.name).cmp(&(b.created_date, &b.name)));
    let (page, next) = paging::page(secrets, offset, size);
    Ok(BatchIds {
        ids: page.into_iter().map(|secret| secret.arn).collect(),
        next_token: next.map(|offset| paging::encode(offset, &print)),
    })
}

async fn get_one(ctx: &RequestContext, secret_id: &str) -> Result<SecretValueOutput, ApiError> {
    let mut context = ctx.auth_context();
    context.add("secretsmanager:VersionStage", "AWSCURRENT");
    ctx.authorize_secret(Operation::GetSecretValue.action(), secret_id, context)
        .await?;
    Ok(ctx
        .secrets()
        .get_secret_value(secret_id, None, None)
        .await?)
}

pub async fn describe_secret(
    ctx: &RequestContext,
    input: SecretIdInput,
) -> Result<SecretDescription, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    ctx.authorize_secret(
        Operation::DescribeSecret.action(),
        &secret_id,
        ctx.auth_context(),
    )
    .await?;
    Ok(ctx
        .secrets()
        .describe_secret_at(ctx.read_marker, &secret_id)
        .await?)
}
