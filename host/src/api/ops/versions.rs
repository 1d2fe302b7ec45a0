//! UpdateSecretVersionStage.

use serde::Deserialize;

use super::{ArnAndName, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UpdateSecretVersionStageRequest {
    secret_id: Option<String>,
    version_stage: Option<String>,
    remove_from_version_id: Option<String>,
    move_to_version_id: Option<String>,
}

pub async fn update_secret_version_stage(
    ctx: &RequestContext,
    input: UpdateSecretVersionStageRequest,
) -> Result<ArnAndName, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let stage = required(input.version_stage, "versionStage")?;

    let mut context = ctx.auth_context();
    context.add("secretsmanager:VersionStage", stage.as_str());
    if let Some(move_to) = &input.move_to_version_id {
        context.add("secretsmanager:VersionId", move_to.as_str());
    }
    ctx.authorize_secret(
        Operation::UpdateSecretVersionStage.action(),
        &secret_id,
        context,
    )
    .await?;

    let secret = ctx
        .secrets()
        .update_secret_version_stage(
            &secret_id,
            &stage,
            input.move_to_version_id.as_deref(),
            input.remove_from_version_id.as_deref(),
        )
        .await?;
    Ok(ArnAndName {
        arn: secret.arn,
        name: secret.name,
    })
}
