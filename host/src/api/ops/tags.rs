//! TagResource and UntagResource.

use serde::Deserialize;

use super::crud::add_request_tags;
use super::{TagShape, required, tags_from_shapes};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TagResourceRequest {
    secret_id: Option<String>,
    tags: Option<Vec<TagShape>>,
}

pub async fn tag_resource(ctx: &RequestContext, input: TagResourceRequest) -> Result<(), ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let tags = tags_from_shapes(required(input.tags, "tags")?)?;

    let mut context = ctx.auth_context();
    add_request_tags(&mut context, &tags);
    ctx.authorize_secret(Operation::TagResource.action(), &secret_id, context)
        .await?;
    ctx.secrets().tag_resource(&secret_id, &tags).await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UntagResourceRequest {
    secret_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

pub async fn untag_resource(
    ctx: &RequestContext,
    input: UntagResourceRequest,
) -> Result<(), ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let keys = required(input.tag_keys, "tagKeys")?;

    let mut context = ctx.auth_context();
    for key in &keys {
        context.add("aws:TagKeys", key.as_str());
    }
    ctx.authorize_secret(Operation::UntagResource.action(), &secret_id, context)
        .await?;
    ctx.secrets().untag_resource(&secret_id, &keys).await?;
    Ok(())
}
