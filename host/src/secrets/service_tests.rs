//! Behaviour of `SecretsService` against a real SQLite file.

use super::test_support::*;
use super::*;

#[tokio::test]
async fn create_replay_returns_same_version() {
    let h = harness().await;
    let first = create(&h.service, "app/db", Some("v1"), T1).await;
    let replay = create(&h.service, "app/db", Some("v1"), T1).await;
    assert_eq!(replay, first);
    assert_eq!(first.version_id.as_deref(), Some(T1));
    let versions = h
        .service
        .list_secret_version_ids("app/db", true)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
}

#[tokio::test]
async fn create_existing_name_with_new_token_fails() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let err = h
        .service
        .create_secret(CreateSecretInput {
            name: "app/db".into(),
            client_request_token: Some(T2.into()),
            value: Some(text("v1")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceExistsException");
    assert_eq!(
        err.to_string(),
        "The operation failed because the secret app/db already exists."
    );
}

#[tokio::test]
async fn create_same_token_other_value_fails() {
    let h = harness().await;
    let first = create(&h.service, "app/db", Some("v1"), T1).await;
    let err = h
        .service
        .create_secret(CreateSecretInput {
            name: "app/db".into(),
            client_request_token: Some(T1.into()),
            value: Some(text("v2")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceExistsException");
    assert_eq!(
        err.to_string(),
        format!(
            "You can't use ClientRequestToken {T1} because that value is already in use for a \
             version of secret {}.",
            first.arn
        )
    );
}

#[tokio::test]
async fn create_without_value_has_no_version() {
    let h = harness().await;
    let out = create(&h.service, "app/empty", None, T1).await;
    assert_eq!(out.version_id, None);
    let description = h.service.describe_secret("app/empty").await.unwrap();
    assert_eq!(description.version_ids_to_stages, None);
    let err = h
        .service
        .get_secret_value("app/empty", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
    assert_eq!(
        err.to_string(),
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
    );
}

#[tokio::test]
async fn bad_names_are_rejected_everywhere() {
    let h = harness().await;
    let message = "Invalid name. Must be a valid name containing alphanumeric characters, or any \
                   of the following: -/_+=.@!";
    let err = h
        .service
        .create_secret(CreateSecretInput {
            name: "bad name".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ValidationException");
    assert_eq!(err.to_string(), message);
    let err = h
        .service
        .get_secret_value("bad*name", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), message);
    let err = h.service.describe_secret("what?").await.unwrap_err();
    assert_eq!(err.to_string(), message);
    let err = put(&h.service, "x]", "v", T1, None).await.unwrap_err();
    assert_eq!(err.to_string(), message);
}

#[tokio::test]
async fn put_on_missing_secret_does_not_create_it() {
    let h = harness().await;
    let err = put(&h.service, "does/not/exist", "x", T1, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
    assert_eq!(
        err.to_string(),
        "Secrets Manager can't find the specified secret."
    );
    assert!(h.service.list_secrets().await.unwrap().is_empty());
}

#[tokio::test]
async fn put_replay_of_create_token_is_noop() {
    let h = harness().await;
    let created = create(&h.service, "app/db", Some("v1"), T1).await;
    let out = put(&h.service, "app/db", "v1", T1, None).await.unwrap();
    assert_eq!(out.arn, created.arn);
    assert_eq!(out.version_id, T1);
    assert_eq!(out.version_stages, ["AWSCURRENT"]);
    assert_eq!(
        h.service
            .list_secret_version_ids("app/db", true)
            .await
            .unwrap()
            .len(),
        1
    );
    let err = put(&h.service, "app/db", "other", T1, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceExistsException");
}

#[tokio::test]
async fn value_size_limit_is_enforced() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let at_limit = "a".repeat(65_536);
    put(&h.service, "app/db", &at_limit, T2, None)
        .await
        .unwrap();
    let over = "a".repeat(65_537);
    let err = put(&h.service, "app/db", &over, T3, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ValidationException");
    assert_eq!(
        err.to_string(),
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: \
         Member must have length less than or equal to 65536"
    );
    assert_eq!(
        h.service
            .list_secret_version_ids("app/db", true)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn put_moves_labels_and_get_reads_them() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    put(&h.service, "app/db", "v2", T2, None).await.unwrap();
    assert_eq!(current_text(&h.service, "app/db").await, "v2");
    let previous = h
        .service
        .get_secret_value("app/db", None, Some("AWSPREVIOUS"))
        .await
        .unwrap();
    assert_eq!(previous.version_id, T1);
    assert_eq!(previous.version_stages, ["AWSPREVIOUS"]);
    let by_id = h
        .service
        .get_secret_value("app/db", Some(T1), None)
        .await
        .unwrap();
    assert_eq!(by_id.value, text("v1"));
}

#[tokio::test]
async fn get_value_error_messages() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let err = h
        .service
        .get_secret_value("app/db", None, Some("AWSPREVIOUS"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"
    );
    let err = h
        .service
        .get_secret_value("app/db", Some(T2), None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Secrets Manager can't find the specified secret value for VersionId: {T2}")
    );
    let err = h
        .service
        .get_secret_value("app/db", Some(T1), Some("AWSPREVIOUS"))
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidRequestException");
    assert_eq!(
        err.to_string(),
        "You provided a VersionStage that is not associated to the provided VersionId."
    );
    let err = h
        .service
        .get_secret_value("app/other", None, None)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Secrets Manager can't find the specified secret."
    );
}

#[tokio::test]
async fn binary_value_round_trips() {
    let h = harness().await;
    let bytes: Vec<u8> = (0..=255).collect();
    h.service
        .create_secret(CreateSecretInput {
            name: "app/bin".into(),
            value: Some(SecretValue::binary(bytes.clone())),
            ..Default::default()
        })
        .await
        .unwrap();
    let out = h
        .service
        .get_secret_value("app/bin", None, None)
        .await
        .unwrap();
    assert_eq!(out.value, SecretValue::binary(bytes));
}

#[tokio::test]
async fn partial_arn_resolves() {
    let h = harness().await;
    let created = create(&h.service, "app/db", Some("v1"), T1).await;
    let partial = &created.arn[..created.arn.len() - 7];
    assert!(partial.ends_with(":secret:app/db"));
    for id in ["app/db", created.arn.as_str(), partial] {
        assert_eq!(current_text(&h.service, id).await, "v1", "lookup by {id}");
    }
    let wrong_suffix = format!("{partial}-ZzZ999");
    let err = h
        .service
        .get_secret_value(&wrong_suffix, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
}

#[tokio::test]
async fn name_with_suffix_shape_resolves_by_name() {
    let h = harness().await;
    let created = create(&h.service, "app-config", Some("v1"), T1).await;
    assert_eq!(current_text(&h.service, "app-config").await, "v1");
    assert_eq!(current_text(&h.service, &created.arn).await, "v1");
    let partial = &created.arn[..created.arn.len() - 7];
    let err = h
        .service
        .get_secret_value(partial, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "ResourceNotFoundException");
}

#[tokio::test]
async fn arn_shape_and_uniqueness() {
    let h = harness().await;
    let a = create(&h.service, "app/db", Some("v1"), T1).await;
    let prefix = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app/db-";
    assert!(a.arn.starts_with(prefix));
    assert_eq!(a.arn.len(), prefix.len() + 6);
}

#[tokio::test]
async fn usvs_current_requires_remove_from() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    put(&h.service, "app/db", "v2", T2, Some(&["AWSPENDING"]))
        .await
        .unwrap();
    let err = h
        .service
        .update_secret_version_stage("app/db", "AWSCURRENT", Some(T2), None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
    assert_eq!(
        err.to_string(),
        format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is \
             currently attached to version {T1}, so you must explicitly reference that version \
             in RemoveFromVersionId."
        )
    );
    h.service
        .update_secret_version_stage("app/db", "AWSCURRENT", Some(T2), Some(T1))
        .await
        .unwrap();
    let stages = stages_of(&h.service, "app/db").await;
    assert_eq!(stages[T1], ["AWSPREVIOUS"]);
    assert_eq!(stages[T2], ["AWSCURRENT", "AWSPENDING"]);
}

#[tokio::test]
async fn update_secret_description_and_value() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let out = h
        .service
        .update_secret(UpdateSecretInput {
            secret_id: "app/db".into(),
            description: Some("main database".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.version_id, None);
    let out = h
        .service
        .update_secret(UpdateSecretInput {
            secret_id: "app/db".into(),
            client_request_token: Some(T2.into()),
            value: Some(text("v2")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.version_id.as_deref(), Some(T2));
    let replay = h
        .service
        .update_secret(UpdateSecretInput {
            secret_id: "app/db".into(),
            client_request_token: Some(T2.into()),
            value: Some(text("v2")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(replay.version_id.as_deref(), Some(T2));
    let description = h.service.describe_secret("app/db").await.unwrap();
    assert_eq!(description.description.as_deref(), Some("main database"));
    assert_eq!(
        description.version_ids_to_stages.unwrap()[T1],
        ["AWSPREVIOUS"]
    );
}

#[tokio::test]
async fn kms_key_alias_is_resolved_and_reported() {
    let h = harness().await;
    let aliased = h
        .service
        .create_secret(CreateSecretInput {
            name: "app/a".into(),
            value: Some(text("x")),
            kms_key_id: Some("alias/app-key".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(current_text(&h.service, &aliased.arn).await, "x");
    let description = h.service.describe_secret("app/a").await.unwrap();
    assert_eq!(description.kms_key_id.as_deref(), Some("alias/app-key"));

    let err = h
        .service
        .create_secret(CreateSecretInput {
            name: "app/b".into(),
            value: Some(text("x")),
            kms_key_id: Some("app-key".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");

    create(&h.service, "app/c", Some("x"), T1).await;
    assert_eq!(
        h.service.describe_secret("app/c").await.unwrap().kms_key_id,
        None
    );
    let versions = h
        .service
        .list_secret_version_ids("app/c", false)
        .await
        .unwrap();
    assert_eq!(versions[0].kms_key_ids, ["DefaultEncryptionKey"]);
}

#[tokio::test]
async fn key_change_rewraps_labelled_versions() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    put(&h.service, "app/db", "v2", T2, None).await.unwrap();
    h.service
        .update_secret(UpdateSecretInput {
            secret_id: "app/db".into(),
            kms_key_id: Some("tk-second".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let versions = h
        .service
        .store
        .list_versions(h.service.resolve("app/db").await.unwrap().id)
        .await
        .unwrap();
    for version in &versions {
        assert_eq!(version.value.as_ref().unwrap().sealed.key_id, "tk-second");
    }
    assert_eq!(current_text(&h.service, "app/db").await, "v2");
}

#[tokio::test]
async fn describe_json_shape() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    let json = serde_json::to_value(h.service.describe_secret("app/db").await.unwrap()).unwrap();
    let object = json.as_object().unwrap();
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ARN",
            "CreatedDate",
            "LastChangedDate",
            "Name",
            "VersionIdsToStages"
        ]
    );
    assert!(object["CreatedDate"].is_f64());
    assert_eq!(
        object["VersionIdsToStages"][T1],
        serde_json::json!(["AWSCURRENT"])
    );
}

#[tokio::test]
async fn access_date_is_recorded_per_day() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    assert!(
        h.service
            .describe_secret("app/db")
            .await
            .unwrap()
            .last_accessed_date
            .is_none()
    );
    current_text(&h.service, "app/db").await;
    let first = h
        .service
        .describe_secret("app/db")
        .await
        .unwrap()
        .last_accessed_date
        .unwrap();
    assert_eq!(first.time(), time::Time::MIDNIGHT);
    current_text(&h.service, "app/db").await;
    let second = h
        .service
        .describe_secret("app/db")
        .await
        .unwrap()
        .last_accessed_date
        .unwrap();
    assert_eq!(first, second);
}

#[tokio::test]
async fn deprecated_versions_listed_only_on_request() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v1"), T1).await;
    put(&h.service, "app/db", "v2", T2, None).await.unwrap();
    put(&h.service, "app/db", "v3", T3, None).await.unwrap();
    let labelled = h
        .service
        .list_secret_version_ids("app/db", false)
        .await
        .unwrap();
    assert_eq!(labelled.len(), 2);
    let all = h
        .service
        .list_secret_version_ids("app/db", true)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let deprecated = all.iter().find(|v| v.version_id == T1).unwrap();
    assert_eq!(deprecated.version_stages, None);
    let json = serde_json::to_value(deprecated).unwrap();
    assert!(json.get("VersionStages").is_none());
}

#[tokio::test]
async fn bad_token_length_is_rejected() {
    let h = harness().await;
    let err = h
        .service
        .create_secret(CreateSecretInput {
            name: "app/db".into(),
            client_request_token: Some("short".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "InvalidParameterException");
    assert_eq!(
        err.to_string(),
        "ClientRequestToken must be 32-64 characters long."
    );
}

#[tokio::test]
async fn tampered_row_reports_decryption_failure() {
    let h = harness().await;
    let created = create(&h.service, "app/db", Some("v1"), T1).await;
    let damaged = h
        .store
        .execute_raw(
            "UPDATE secret_versions SET ciphertext = $1",
            vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00],
        )
        .await;
    assert_eq!(damaged, 1);
    let err = h
        .service
        .get_secret_value("app/db", None, None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "DecryptionFailure");
    assert!(err.to_string().contains(&created.arn));
    assert!(err.to_string().contains(T1));
}

#[tokio::test]
async fn disabled_old_key_leaves_deprecated_version_unreadable() {
    let h = harness().await;
    create(&h.service, "app/db", Some("d"), T1).await;
    put(&h.service, "app/db", "p", T2, None).await.unwrap();
    put(&h.service, "app/db", "c", T3, None).await.unwrap();
    h.service
        .update_secret(UpdateSecretInput {
            secret_id: "app/db".into(),
            kms_key_id: Some("tk-second".into()),
            ..Default::default()
        })
        .await
        .unwrap();

    // Reopen the same database with the old default key disabled.
    let store = h.store.open().await;
    let mut keyring = crate::crypto::Keyring::from_key("tk-default", [3u8; 32]);
    keyring
        .add_key("tk-second", Some("alias/app-key"), [4u8; 32])
        .unwrap();
    keyring.set_enabled("tk-default", false).unwrap();
    let service = SecretsService::new(
        store,
        std::sync::Arc::new(keyring),
        ServiceConfig::default(),
    );

    assert_eq!(current_text(&service, "app/db").await, "c");
    let previous = service
        .get_secret_value("app/db", Some(T2), None)
        .await
        .unwrap();
    assert_eq!(previous.value, text("p"));
    let err = service
        .get_secret_value("app/db", Some(T1), None)
        .await
        .unwrap_err();
    assert_eq!(err.aws_type(), "DecryptionFailure");
    let versions = service
        .list_secret_version_ids("app/db", true)
        .await
        .unwrap();
    let deprecated = versions.iter().find(|v| v.version_id == T1).unwrap();
    assert_eq!(deprecated.kms_key_ids, ["tk-default"]);
}

#[tokio::test]
async fn concurrent_puts_keep_one_current() {
    let h = harness().await;
    create(&h.service, "app/db", Some("v0"), T1).await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let service = h.service.clone();
        tasks.push(tokio::spawn(async move {
            let token = format!("{i:0>8}-0000-4000-8000-000000000000");
            put(&service, "app/db", &format!("v{i}"), &token, None).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let stages = stages_of(&h.service, "app/db").await;
    let with = |label: &str| stages.values().filter(|l| l.iter().any(|x| x == label)).count();
    assert_eq!(with("AWSCURRENT"), 1);
    assert_eq!(with("AWSPREVIOUS"), 1);
    let all = h.service.list_secret_version_ids("app/db", true).await.unwrap();
    assert_eq!(all.len(), 7);
}
