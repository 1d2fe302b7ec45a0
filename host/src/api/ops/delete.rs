//! DeleteSecret and RestoreSecret.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{ArnAndName, SecretIdInput, epoch_seconds, required};
use crate::api::context::RequestContext;
use crate::api::error::ApiError;
use crate::api::operation::Operation;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteSecretRequest {
    secret_id: Option<String>,
    recovery_window_in_days: Option<i64>,
    force_delete_without_recovery: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteSecretResponse {
    #[serde(rename = "ARN")]
    arn: String,
    name: String,
    #[serde(serialize_with = "epoch_seconds")]
    deletion_date: OffsetDateTime,
}

pub async fn delete_secret(
    ctx: &RequestContext,
    input: DeleteSecretRequest,
) -> Result<DeleteSecretResponse, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    let force = input.force_delete_without_recovery.unwrap_or(false);

    let mut context = ctx.auth_context();
    context.add(
        "secretsmanager:ForceDeleteWithoutRecovery",
        force.to_string(),
    );
    if let Some(days) = input.recovery_window_in_days {
        context.add("secretsmanager:RecoveryWindowInDays", days.to_string());
    }
    ctx.authorize_secret(Operation::DeleteSecret.action(), &secret_id, context)
        .await?;

    let output = ctx
        .secrets()
        .delete_secret(&secret_id, input.recovery_window_in_days, force)
        .await?;
    Ok(DeleteSecretResponse {
        arn: output.arn,
        name: output.name,
        deletion_date: output.deletion_date,
    })
}

pub async fn restore_secret(
    ctx: &RequestContext,
    input: SecretIdInput,
) -> Result<ArnAndName, ApiError> {
    let secret_id = required(input.secret_id, "secretId")?;
    ctx.authorize_secret(
        Operation::RestoreSecret.action(),
        &secret_id,
        ctx.auth_context(),
    )
    .await?;
    let secret = ctx.secrets().restore_secret(&secret_id).await?;
    Ok(ArnAndName {
        arn: secret.arn,
        name: secret.name,
    })
}
