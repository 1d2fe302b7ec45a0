//! ReplicateSecretToRegions, RemoveRegionsFromReplication and
//! StopReplicationToReplica. Tumbler keeps every secret in one region, so
//! these check their input and the secret, then return
//! `InvalidRequestException`.

use serde::Deserialize;

use super::crud::{ReplicaRegion, replication_unsupported};
use super::{ArnAndName, SecretIdInput, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReplicateSecretToRegionsRequest {
    secret_id: Option<String>,
    #[allow(dead_code, reason = "parsed only to validate the shape")]
    add_replica_regions: Option<Vec<ReplicaRegion>>,
    #[allow(dead_code, reason = "parsed only to validate the shape")]
    force_overwrite_replica_secret: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RemoveRegionsFromReplicationRequest {
    secret_id: Option<String>,
    #[allow(dead_code, reason = "parsed only to validate the shape")]
    remove_replica_regions: Option<Vec<String>>,
}

pub async fn replicate_secret_to_regions(
    ctx: &RequestContext,
    input: ReplicateSecretToRegionsRequest,
) -> Result<ArnAndName, ApiError> {
    reject(ctx, Operation::ReplicateSecretToRegions, input.secret_id).await
}

pub async fn remove_regions_from_replication(
    ctx: &RequestContext,
    input: RemoveRegionsFromReplicationRequest,
) -> Result<ArnAndName, ApiError> {
    reject(
        ctx,
        Operation::RemoveRegionsFromReplication,
        input.secret_id,
    )
    .await
}

pub async fn stop_replication_to_replica(
    ctx: &RequestContext,
    input: SecretIdInput,
) -> Result<ArnAndName, ApiError> {
    reject(ctx, Operation::StopReplicationToReplica, input.secret_id).await
}

/// Authorizes the call and resolves the secret, so a missing secret is
/// still `ResourceNotFoundException`, then rejects the operation.
async fn reject(
    ctx: &RequestContext,
    op: Operation,
    secret_id: Option<String>,
) -> Result<ArnAndName, ApiError> {
    let secret_id = required(secret_id, "secretId")?;
    ctx.authorize_secret(op.action(), &secret_id, ctx.auth_context())
        .await?;
    ctx.secrets().resolve(&secret_id).await?;
    Err(replication_unsupported())
}
