//! ListSecrets and ListSecretVersionIds.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::filters::{FilterShape, matches_all, parse_filters};
use super::{check_range, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;
use crate::api::paging;
use crate::secrets::{SecretDescription, SecretListEntry, VersionListEntry};

/// Page size limits of both list operations (AWS model); the maximum is also
/// the page size when `MaxResults` is absent.
const MAX_RESULTS: i64 = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ListSecretsRequest {
    include_planned_deletion: Option<bool>,
    max_results: Option<i64>,
    next_token: Option<String>,
    filters: Option<Vec<FilterShape>>,
    sort_order: Option<String>,
    sort_by: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretsResponse {
    secret_list: Vec<SecretListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    CreatedDate,
    LastAccessedDate,
    LastChangedDate,
    Name,
}

pub async fn list_secrets(
    ctx: &RequestContext,
    input: ListSecretsRequest,
) -> Result<ListSecretsResponse, ApiError> {
    let size = input.max_results.unwrap_or(MAX_RESULTS);
    check_range(size, "maxResults", 1, MAX_RESULTS)?;
    let filters = parse_filters(input.filters.unwrap_or_default())?;
    let descending = match input.sort_order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'sortOrder' failed to satisfy \
                 constraint: Member must satisfy enum value set: [asc, desc]"
            )));
        }
    };
    let sort_by = match input.sort_by.as_deref() {
        None | Some("created-date") => SortBy::CreatedDate,
        Some("last-accessed-date") => SortBy::LastAccessedDate,
        Some("last-changed-date") => SortBy::LastChangedDate,
        Some("name") => SortBy::Name,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'sortBy' failed to satisfy \
                 constraint: Member must satisfy enum value set: [created-date, \
                 last-accessed-date, last-changed-date, name]"
            )));
        }
    };
    let include_deleted = input.include_planned_deletion.unwrap_or(false);
    let print = paging::fingerprint(&[
        &format!("{filters:?}"),
        &format!("{sort_by:?}"),
        &descending.to_string(),
        &include_deleted.to_string(),
    ]);
    let offset = match input.next_token.as_deref() {
        Some(token) => paging::decode(token, &print)?,
        None => 0,
    };

    ctx.authorize_global(Operation::ListSecrets.action(), &ctx.auth_context())
        .await?;

    let mut secrets: Vec<SecretDescription> = ctx
        .secrets()
        .list_secrets_including(include_deleted)
        .await?
        .into_iter()
        .filter(|secret| matches_all(&filters, secret))
        .collect();
    secrets.sort_by(|a, b| {
        let order = compare(sort_by, a, b).then_with(|| a.name.cmp(&b.name));
        if descending { order.reverse() } else { order }
    });

    let (page, next) = paging::page(secrets, offset, size as usize);
    Ok(ListSecretsResponse {
        secret_list: page
            .into_iter()
            .map(SecretDescription::into_list_entry)
            .collect(),
        next_token: next.map(|offset| paging::encode(offset, &print)),
    })
}

fn compare(sort_by: SortBy, a: &SecretDescription, b: &SecretDescription) -> Ordering {
    match sort_by {
        SortBy::CreatedDate => a.created_date.cmp(&b.created_date),
        SortBy::LastAccessedDate => a.last_accessed_date.cmp(&b.last_accessed_date),
        SortBy::LastChangedDate => a.last_changed_date.cmp(&b.last_changed_date),
        SortBy::Name => a.name.cmp(&b.name),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ListSecretVersionIdsRequest {
    secret_id: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    include_deprecated: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListSecretVersionIdsResponse {
    versions: Vec<VersionListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
}

pub async fn list_secret_version_ids(
    ctx: &RequestContext,
    input: ListSecretVersionIdsRequest,
) -> Result<ListSecretVersionIdsResponse, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let size = input.max_results.unwrap_or(MAX_RESULTS);
    check_range(size, "maxResults", 1, MAX_RESULTS)?;
    let include_deprecated = input.include_deprecated.unwrap_or(false);

    ctx.authorize_secret(
        Operation::ListSecretVersionIds.action(),
        &secret_id,
        ctx.auth_context(),
    )
    .await?;

    let secret = ctx.secrets().resolve(&secret_id).await?;
    // The fingerprint includes the ARN, so a token cannot page another secret.
    let print = paging::fingerprint(&[&secret.arn, &include_deprecated.to_string()]);
    let offset = match input.next_token.as_deref() {
        Some(token) => paging::decode(token, &print)?,
        None => 0,
    };
    let versions = ctx
        .secrets()
        .list_secret_version_ids(&secret.arn, include_deprecated)
        .await?;
    let (page, next) = paging::page(versions, offset, size as usize);
    Ok(ListSecretVersionIdsResponse {
        versions: page,
        next_token: next.map(|offset| paging::encode(offset, &print)),
        arn: secret.arn,
        name: secret.name,
    })
}
