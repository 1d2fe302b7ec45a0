//! The dispatch table: parses each operation's input, runs it and
//! serializes its output.

use std::future::Future;

use axum::response::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::context::RequestContext;
use super::error::ApiError;
use super::operation::Operation;
use super::ops::{crud, delete, list, policy, random, read, replication, rotation, tags, versions};
use super::protocol::{empty_response, json_response, parse_input};

/// Runs `op` with the raw request body.
pub async fn dispatch(
    op: Operation,
    context: &RequestContext,
    body: &[u8],
) -> Result<Response, ApiError> {
    let ctx = context;
    match op {
        Operation::CreateSecret => call(body, |input| crud::create_secret(ctx, input)).await,
        Operation::PutSecretValue => call(body, |input| crud::put_secret_value(ctx, input)).await,
        Operation::UpdateSecret => call(body, |input| crud::update_secret(ctx, input)).await,
        Operation::GetSecretValue => call(body, |input| read::get_secret_value(ctx, input)).await,
        Operation::BatchGetSecretValue => {
            call(body, |input| read::batch_get_secret_value(ctx, input)).await
        }
        Operation::DescribeSecret => call(body, |input| read::describe_secret(ctx, input)).await,
        Operation::ListSecrets => call(body, |input| list::list_secrets(ctx, input)).await,
        Operation::ListSecretVersionIds => {
            call(body, |input| list::list_secret_version_ids(ctx, input)).await
        }
        Operation::UpdateSecretVersionStage => {
            call(body, |input| {
                versions::update_secret_version_stage(ctx, input)
            })
            .await
        }
        Operation::DeleteSecret => call(body, |input| delete::delete_secret(ctx, input)).await,
        Operation::RestoreSecret => call(body, |input| delete::restore_secret(ctx, input)).await,
        Operation::TagResource => call_empty(body, |input| tags::tag_resource(ctx, input)).await,
        Operation::UntagResource => {
            call_empty(body, |input| tags::untag_resource(ctx, input)).await
        }
        Operation::RotateSecret => call(body, |input| rotation::rotate_secret(ctx, input)).await,
        Operation::CancelRotateSecret => {
            call(body, |input| rotation::cancel_rotate_secret(ctx, input)).await
        }
        Operation::GetRandomPassword => {
            call(body, |input| random::get_random_password(ctx, input)).await
        }
        Operation::PutResourcePolicy => {
            call(body, |input| policy::put_resource_policy(ctx, input)).await
        }
        Operation::GetResourcePolicy => {
            call(body, |input| policy::get_resource_policy(ctx, input)).await
        }
        Operation::DeleteResourcePolicy => {
            call(body, |input| policy::delete_resource_policy(ctx, input)).await
        }
        Operation::ValidateResourcePolicy => {
            call(body, |input| policy::validate_resource_policy(ctx, input)).await
        }
        Operation::ReplicateSecretToRegions => {
            call(body, |input| {
                replication::replicate_secret_to_regions(ctx, input)
            })
            .await
        }
        Operation::RemoveRegionsFromReplication => {
            call(body, |input| {
                replication::remove_regions_from_replication(ctx, input)
            })
            .await
        }
        Operation::StopReplicationToReplica => {
            call(body, |input| {
                replication::stop_replication_to_replica(ctx, input)
            })
            .await
        }
    }
}

/// Parses the input, runs the operation and serializes its output.
async fn call<I, O, F, Fut>(body: &[u8], operation: F) -> Result<Response, ApiError>
where
    I: DeserializeOwned,
    O: Serialize,
    F: FnOnce(I) -> Fut,
    Fut: Future<Output = Result<O, ApiError>>,
{
    let input = parse_input::<I>(body)?;
    let output = operation(input).await?;
    json_response(&output)
}

/// Like [`call`] for operations without output (TagResource, UntagResource).
async fn call_empty<I, F, Fut>(body: &[u8], operation: F) -> Result<Response, ApiError>
where
    I: DeserializeOwned,
    F: FnOnce(I) -> Fut,
    Fut: Future<Output = Result<(), ApiError>>,
{
    let input = parse_input::<I>(body)?;
    operation(input).await?;
    Ok(empty_response())
}
