//! DeleteSecret, RestoreSecret, tags and CancelRotateSecret.

use super::test_support::*;
use super::*;
use crate::store::RotationStatus;

#[tokio::test]
async fn scheduled_deletion_blocks_value_access() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let out = h
        .service
        .delete_secret("app/db", Some(7), false)
        .await
        .unwrap();
    let days = (out.deletion_date - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((167..=168).contains(&days), "deletion in {days} hours");

    let err = h
        .service
        .get_secret_value("app/db", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    let err = put(&h.service, "app/db", "v2", T2, None).await.unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    let description = h.service.describe_secret("app/db").await.unwrap();
    assert!(description.deleted_date.is_some());
    assert!(h.service.list_secrets().await.unwrap().is_empty());
    assert_eq!(
        h.service.list_secrets_including(true).await.unwrap().len(),
        1
    );

    h.service.restore_secret("app/db").await.unwrap();
    assert_eq!(current_text(&h.service, "app/db").await, "v1");
    assert!(
        h.service
            .describe_secret("app/db")
            .await
            .unwrap()
            .deleted_date
            .is_none()
    );
}

#[tokio::test]
async fn create_over_scheduled_deletion_is_rejected() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .delete_secret("app/db", None, false)
        .await
        .unwrap();
    let err = h
        .service
        .create_secret(CreateSecretInput {
            name: "app/db".into(),
            client_request_token: Some(T2.into()),
            value: Some(text("v2")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    assert_eq!(
        err.to_string(),
        "You can't create this secret because a secret with this name is already scheduled for \
         deletion."
    );
    let err = h
        .service
        .delete_secret("app/db", None, false)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
}

#[tokio::test]
async fn force_delete_then_recreate_changes_arn() {
    let h = harness().await;
    let old = create(&h.service, "app/db", Some("v1"), T1).await;
    h.service.delete_secret("app/db", None, true).await.unwrap();
    let err = h
        .service
        .get_secret_value(&old.arn, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
    let new = create(&h.service, "app/db", Some("v2"), T2).await;
    assert_ne!(new.arn, old.arn);
    let err = h
        .service
        .get_secret_value(&old.arn, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
}

#[tokio::test]
async fn force_delete_of_unknown_secret_succeeds() {
    let h = harness().await;
    let out = h
        .service
        .delete_secret("never/existed", None, true)
        .await
        .unwrap();
    assert_eq!(out.name, "never/existed");
    assert!(out.arn.contains(":secret:never/existed-"));
}

#[tokio::test]
async fn recovery_window_is_validated_first() {
    let h = harness().await;
    for days in [0, 2, 6, 31, 100] {
        let err = h
            .service
            .delete_secret("missing", Some(days), true)
            .await
            .unwrap_err();
        assert_eq!(err.aws_type(), "InvalidParameterException", "{days} days");
        assert!(
            err.to_string()
                .contains("between 7 and 30 days (inclusive)"),
            "{days} days"
        );
    }
    let err = h
        .service
        .delete_secret("missing", Some(7), true)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
}

#[tokio::test]
async fn tags_absent_until_set_then_empty_list() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    assert_eq!(
        h.service.describe_secret("app/db").await.unwrap().tags,
        None
    );
    let tag = Tag {
        key: "team".into(),
        value: "a".into(),
    };
    h.service
        .tag_resource("app/db", std::slice::from_ref(&tag))
        .await
        .unwrap();
    let replaced = Tag {
        key: "team".into(),
        value: "b".into(),
    };
    h.service
        .tag_resource("app/db", std::slice::from_ref(&replaced))
        .await
        .unwrap();
    assert_eq!(
        h.service.describe_secret("app/db").await.unwrap().tags,
        Some(vec![replaced])
    );
    h.service
        .untag_resource("app/db", &["team".into()])
        .await
        .unwrap();
    assert_eq!(
        h.service.describe_secret("app/db").await.unwrap().tags,
        Some(vec![])
    );
}

#[tokio::test]
async fn tagging_deleted_secret_is_rejected() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .delete_secret("app/db", None, false)
        .await
        .unwrap();
    let err = h
        .service
        .untag_resource("app/db", &["x".into()])
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    assert_eq!(
        err.to_string(),
        "You can't perform this operation on the secret because it was marked for deletion."
    );
}

#[tokio::test]
async fn cancel_rotation_disables_and_reports_version() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    h.service
        .begin_rotation("app/db", Some(T2), Some(rotation_config()))
        .await
        .unwrap();
    let out = h.service.cancel_rotate_secret("app/db").await.unwrap();
    assert_eq!(out.version_id.as_deref(), Some(T2));
    let description = h.service.describe_secret("app/db").await.unwrap();
    assert_eq!(description.rotation_enabled, Some(false));
    assert_eq!(
        description.rotation_lambda_arn.as_deref(),
        Some("postgres-single-user")
    );
    let progress = h.service.rotation_status("app/db").await.unwrap().unwrap();
    assert_eq!(progress.status, RotationStatus::Abandoned);
}

#[tokio::test]
async fn rotation_schedule_is_reported() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let next = time::OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
    h.service
        .set_rotation_schedule(
            "app/db",
            Some(Some(r#"{"AutomaticallyAfterDays":30}"#.into())),
            Some(Some(next)),
        )
        .await
        .unwrap();
    let json = serde_json::to_value(h.service.describe_secret("app/db").await.unwrap()).unwrap();
    assert_eq!(
        json["RotationRules"],
        serde_json::json!({"AutomaticallyAfterDays": 30})
    );
    assert_eq!(json["NextRotationDate"], serde_json::json!(1_900_000_000.0));
}
