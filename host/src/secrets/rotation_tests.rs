//! Rotation support: placeholder versions, resume, progress and abandonment.

use super::test_support::*;
use super::*;
use crate::store::RotationStatus;

#[tokio::test]
async fn usvs_without_current_accepts_missing_remove_from() {
    let h = harness().await;
    create(&h.service, "app/db", None, T1).await;
    h.service
        .begin_rotation("app/db", Some(T1), Some(rotation_config()))
        .await
        .unwrap();
    put(&h.service, "app/db", "rotated", T1, Some(&["AWSPENDING"]))
        .await
        .unwrap();
    h.service
        .update_secret_version_stage("app/db", "AWSCURRENT", Some(T1), None)
        .await
        .unwrap();
    assert_eq!(current_text(&h.service, "app/db").await, "rotated");
}

#[tokio::test]
async fn begin_rotation_creates_empty_pending_version() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let start = h
        .service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    assert_eq!(start.version_id, T2);
    assert!(!start.resumed);
    assert_eq!(start.next_step.as_deref(), Some("createSecret"));

    let description = h.service.describe_secret("app/db").await.unwrap();
    assert_eq!(description.rotation_enabled, Some(true));
    assert_eq!(
        description.rotation_lambda_arn.as_deref(),
        Some("postgres-single-user")
    );
    assert_eq!(
        description.version_ids_to_stages.unwrap()[T2],
        ["AWSPENDING"]
    );

    let err = h
        .service
        .get_secret_value("app/db", None, Some("AWSPENDING"))
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
    assert_eq!(
        err.to_string(),
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING"
    );
    let err = h
        .service
        .get_secret_value("app/db", Some(T2), None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
    // AWSCURRENT is untouched.
    assert_eq!(current_text(&h.service, "app/db").await, "v1");
}

#[tokio::test]
async fn pending_placeholder_is_fillable_once() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    let out = put(&h.service, "app/db", "v2", T2, Some(&["AWSPENDING"]))
        .await
        .unwrap();
    assert_eq!(out.version_stages, ["AWSPENDING"]);
    let replay = put(&h.service, "app/db", "v2", T2, Some(&["AWSPENDING"]))
        .await
        .unwrap();
    assert_eq!(replay, out);
    let err = put(&h.service, "app/db", "v3", T2, Some(&["AWSPENDING"]))
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceExistsException");
    let pending = h
        .service
        .get_secret_value("app/db", None, Some("AWSPENDING"))
        .await
        .unwrap();
    assert_eq!(pending.value, text("v2"));
}

#[tokio::test]
async fn begin_rotation_without_config_is_rejected() {
    let h = harness().await;
    create(&h.service, "app/other", Some("v1"), T1).await;
    let err = h
        .service
        .begin_rotation("app/other", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    assert_eq!(
        err.to_string(),
        "No Lambda rotation function ARN is associated with this secret."
    );
    let description = h.service.describe_secret("app/other").await.unwrap();
    assert_eq!(description.rotation_enabled, None);
}

#[tokio::test]
async fn second_rotation_reuses_stored_config() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    put(&h.service, "app/db", "v2", T2, Some(&["AWSPENDING"]))
        .await
        .unwrap();
    h.service
        .update_secret_version_stage("app/db", "AWSCURRENT", Some(T2), Some(T1))
        .await
        .unwrap();
    h.service.finish_rotation("app/db", T2).await.unwrap();

    // AWSPENDING sits on the AWSCURRENT version now, which is legal.
    let start = h
        .service
        .begin_rotation("app/db", Some(T3), None)
        .await
        .unwrap();
    assert_eq!(start.rotator, "postgres-single-user");
    let stages = stages_of(&h.service, "app/db").await;
    assert_eq!(stages[T2], ["AWSCURRENT"]);
    assert_eq!(stages[T3], ["AWSPENDING"]);
    assert!(
        h.service
            .describe_secret("app/db")
            .await
            .unwrap()
            .last_rotated_date
            .is_some()
    );
}

#[tokio::test]
async fn stale_pending_blocks_new_rotation() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    h.service
        .fail_rotation("app/db", T2, "testSecret", "connection refused")
        .await
        .unwrap();

    let message = "A previous rotation isn't complete. That rotation will be reattempted.";
    let err = h
        .service
        .begin_rotation("app/db", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    assert_eq!(err.to_string(), message);
    let other = RotationConfig {
        rotator: "other".into(),
        settings: Default::default(),
    };
    let err = h
        .service
        .begin_rotation("app/db", Some(T3), Some(other))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), message);
    let description = h.service.describe_secret("app/db").await.unwrap();
    assert_eq!(
        description.rotation_lambda_arn.as_deref(),
        Some("postgres-single-user")
    );
    assert_eq!(description.version_ids_to_stages.unwrap().len(), 2);

    h.service
        .update_secret_version_stage("app/db", "AWSPENDING", None, Some(T2))
        .await
        .unwrap();
    let start = h
        .service
        .begin_rotation("app/db", Some(T3), None)
        .await
        .unwrap();
    assert!(!start.resumed);
}

#[tokio::test]
async fn same_token_resumes_rotation() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    h.service
        .record_rotation_step("app/db", T2, "createSecret")
        .await
        .unwrap();
    h.service
        .fail_rotation("app/db", T2, "setSecret", "timed out")
        .await
        .unwrap();

    let failed = h.service.rotation_status("app/db").await.unwrap().unwrap();
    assert_eq!(failed.status, RotationStatus::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("setSecret: timed out"));
    assert_eq!(current_text(&h.service, "app/db").await, "v1");

    let start = h
        .service
        .begin_rotation("app/db", Some(T2), None)
        .await
        .unwrap();
    assert!(start.resumed);
    assert_eq!(start.completed_steps, ["createSecret"]);
    assert_eq!(start.next_step.as_deref(), Some("setSecret"));
    let resumed = h.service.rotation_status("app/db").await.unwrap().unwrap();
    assert_eq!(resumed.status, RotationStatus::InProgress);
    assert_eq!(resumed.attempts, 2);
}

#[tokio::test]
async fn rotation_steps_are_recorded() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    for step in ROTATION_STEPS {
        h.service
            .record_rotation_step("app/db", T2, step)
            .await
            .unwrap();
    }
    h.service.finish_rotation("app/db", T2).await.unwrap();
    let progress = h.service.rotation_status("app/db").await.unwrap().unwrap();
    assert_eq!(progress.status, RotationStatus::Succeeded);
    assert_eq!(progress.completed_steps, ROTATION_STEPS);
    assert_eq!(progress.next_step, None);
    let err = h
        .service
        .record_rotation_step("app/db", T2, "bogusStep")
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
}

#[tokio::test]
async fn rotation_token_used_by_value_is_rejected() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let err = h
        .service
        .begin_rotation("app/db", Some(T1), Some(rotation_config()))
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceExistsException");
}

#[tokio::test]
async fn put_during_rotation_abandons_it() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    put(&h.service, "app/db", "manual", T3, None).await.unwrap();

    let stages = stages_of(&h.service, "app/db").await;
    assert!(!stages.contains_key(T2));
    assert_eq!(stages[T3], ["AWSCURRENT"]);
    let progress = h.service.rotation_status("app/db").await.unwrap().unwrap();
    assert_eq!(progress.status, RotationStatus::Abandoned);
    let err = h
        .service
        .record_rotation_step("app/db", T2, "createSecret")
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    let err = h.service.finish_rotation("app/db", T2).await.unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    // With AWSPENDING gone a new rotation may start.
    h.service
        .begin_rotation("app/db", None, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn rotation_stopped_after_finish_secret_resumes_to_completion() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    put(&h.service, "app/db", "rotated", T2, Some(&["AWSPENDING"]))
        .await
        .unwrap();
    for step in ["createSecret", "setSecret", "testSecret"] {
        h.service.record_rotation_step("app/db", T2, step).await.unwrap();
    }
    // finishSecret moves AWSCURRENT; the process stops before recording it.
    h.service
        .update_secret_version_stage("app/db", "AWSCURRENT", Some(T2), Some(T1))
        .await
        .unwrap();

    let start = h
        .service
        .begin_rotation("app/db", Some(T2), None)
        .await
        .unwrap();

    assert!(start.resumed);
    assert_eq!(start.version_id, T2);
    assert_eq!(start.completed_steps, ["createSecret", "setSecret", "testSecret"]);
    assert_eq!(current_text(&h.service, "app/db").await, "rotated");
}
