//! SQLite store behaviour: invariants the database enforces.

use time::OffsetDateTime;

use super::*;
use super::versions::MAX_VERSIONS_PER_SECRET;
use crate::crypto::SealedValue;
use crate::store::{FillVersion, LabelMove, NewVersion, RotationStatus, StoredValue, ValueKind};

fn sealed(byte: u8) -> StoredValue {
    StoredValue {
        kind: ValueKind::Text,
        sealed: SealedValue {
            key_id: "tk-test".into(),
            wrapped_key: vec![byte; 60],
            nonce: vec![byte; 12],
            ciphertext: vec![byte; 20],
        },
    }
}

fn new_secret(name: &str, first: Option<&str>) -> NewSecret {
    let at = OffsetDateTime::now_utc();
    NewSecret {
        name: name.into(),
        arn: format!("arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}-AbC123"),
        description: None,
        kms_key_id: None,
        created_at: at,
        tags: Vec::new(),
        first_version: first.map(|v| NewVersion {
            version_id: v.into(),
            created_at: at,
            value: Some(sealed(1)),
        }),
        first_version_labels: vec!["AWSCURRENT".into()],
    }
}

async fn store_with_secret() -> (SqliteStore, i64, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let id = store
        .insert_secret(new_secret("app/db", Some("v1")))
        .await
        .unwrap();
    (store, id, dir)
}

fn add_version(id: i64, version: &str, value: Option<StoredValue>) -> VersionChange {
    let mut change = VersionChange::new(id, OffsetDateTime::now_utc());
    change.new_version = Some(NewVersion {
        version_id: version.into(),
        created_at: OffsetDateTime::now_utc(),
        value,
    });
    change
}

#[tokio::test]
async fn open_applies_migrations_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.insert_secret(new_secret("a", None)).await.unwrap();
    drop(store);
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.list_secrets().await.unwrap().len(), 1);
}

#[tokio::test]
async fn in_memory_store_works() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let id = store
        .insert_secret(new_secret("a", Some("v1")))
        .await
        .unwrap();
    assert_eq!(store.list_versions(id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn duplicate_live_name_is_rejected() {
    let (store, _, _dir) = store_with_secret().await;
    let mut again = new_secret("app/db", None);
    again.arn.push('x');
    let err = store.insert_secret(again).await.unwrap_err();
    assert!(matches!(err, StoreError::NameExists(_)), "{err}");
}

#[tokio::test]
async fn purged_name_can_be_reused() {
    let (store, id, _dir) = store_with_secret().await;
    store.purge_secret(id).await.unwrap();
    assert!(store.find_secret_by_name("app/db").await.unwrap().is_none());
    let mut again = new_secret("app/db", None);
    again.arn = format!("{}-new", again.arn);
    store.insert_secret(again).await.unwrap();
}

#[tokio::test]
async fn label_cannot_sit_on_two_versions() {
    let (store, id, _dir) = store_with_secret().await;
    store
        .apply_version_change(add_version(id, "v2", Some(sealed(2))))
        .await
        .unwrap();
    let result = sqlx::query(
        "INSERT INTO staging_labels (secret_id, label, version_id) VALUES (?, 'AWSCURRENT', 'v2')",
    )
    .bind(id)
    .execute(store.pool())
    .await;
    assert!(result.is_err());
}

#[tokio::test]
async fn label_move_with_stale_holder_conflicts() {
    let (store, id, _dir) = store_with_secret().await;
    let mut change = add_version(id, "v2", Some(sealed(2)));
    change.label_moves = vec![LabelMove::new("AWSCURRENT", None, Some("v2".into()))];
    let err = store.apply_version_change(change).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    // The transaction rolled back: no v2, AWSCURRENT still on v1.
    let versions = store.list_versions(id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].labels, ["AWSCURRENT"]);
}

#[tokio::test]
async fn version_change_moves_labels_atomically() {
    let (store, id, _dir) = store_with_secret().await;
    let mut change = add_version(id, "v2", Some(sealed(2)));
    change.label_moves = vec![
        LabelMove::new("AWSCURRENT", Some("v1".into()), Some("v2".into())),
        LabelMove::new("AWSPREVIOUS", None, Some("v1".into())),
    ];
    store.apply_version_change(change).await.unwrap();
    let versions = store.list_versions(id).await.unwrap();
    assert_eq!(versions[0].labels, ["AWSPREVIOUS"]);
    assert_eq!(versions[1].labels, ["AWSCURRENT"]);
}

#[tokio::test]
async fn duplicate_version_id_is_reported() {
    let (store, id, _dir) = store_with_secret().await;
    let err = store
        .apply_version_change(add_version(id, "v1", None))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::VersionExists { .. }), "{err}");
}

#[tokio::test]
async fn placeholder_fills_only_once() {
    let (store, id, _dir) = store_with_secret().await;
    store
        .apply_version_change(add_version(id, "p", None))
        .await
        .unwrap();
    assert_eq!(
        store.get_version(id, "p").await.unwrap().unwrap().value,
        None
    );

    let fill = |byte| {
        let mut change = VersionChange::new(id, OffsetDateTime::now_utc());
        change.fill_version = Some(FillVersion {
            version_id: "p".into(),
            value: sealed(byte),
        });
        change
    };
    store.apply_version_change(fill(5)).await.unwrap();
    let err = store.apply_version_change(fill(6)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(
        store.get_version(id, "p").await.unwrap().unwrap().value,
        Some(sealed(5))
    );
}

#[tokio::test]
async fn sealed_columns_round_trip() {
    let (store, id, _dir) = store_with_secret().await;
    let version = store.get_version(id, "v1").await.unwrap().unwrap();
    assert_eq!(version.value, Some(sealed(1)));
    assert_eq!(version.labels, ["AWSCURRENT"]);
}

#[tokio::test]
async fn tags_keep_order_and_replace_values() {
    let (store, id, _dir) = store_with_secret().await;
    assert!(!store.get_secret(id).await.unwrap().unwrap().tags_set);
    let tag = |k: &str, v: &str| TagRecord {
        key: k.into(),
        value: v.into(),
    };
    store
        .put_tags(id, &[tag("b", "1"), tag("a", "2")])
        .await
        .unwrap();
    store.put_tags(id, &[tag("b", "3")]).await.unwrap();
    assert_eq!(
        store.list_tags(id).await.unwrap(),
        [tag("b", "3"), tag("a", "2")]
    );
    store
        .remove_tags(id, &["a".into(), "b".into(), "zzz".into()])
        .await
        .unwrap();
    assert!(store.list_tags(id).await.unwrap().is_empty());
    assert!(store.get_secret(id).await.unwrap().unwrap().tags_set);
}

#[tokio::test]
async fn rotation_progress_is_persisted() {
    let (store, id, _dir) = store_with_secret().await;
    let mut change = add_version(id, "t", None);
    change.begin_rotation = Some(crate::store::NewRotation {
        token: "t".into(),
        rotator: "r".into(),
        next_step: "createSecret".into(),
    });
    store.apply_version_change(change).await.unwrap();

    let mut update = RotationUpdate::new(id, "t", OffsetDateTime::now_utc());
    update.completed_step = Some("createSecret".into());
    update.next_step = Some(Some("setSecret".into()));
    store.update_rotation(update.clone()).await.unwrap();
    store.update_rotation(update).await.unwrap();

    let record = store.latest_rotation(id).await.unwrap().unwrap();
    assert_eq!(record.status, RotationStatus::InProgress);
    assert_eq!(record.completed_steps, ["createSecret"]);
    assert_eq!(record.next_step.as_deref(), Some("setSecret"));

    let missing = RotationUpdate::new(id, "nope", OffsetDateTime::now_utc());
    assert!(matches!(
        store.update_rotation(missing).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn deletion_dates_round_trip() {
    let (store, id, _dir) = store_with_secret().await;
    let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let until = OffsetDateTime::from_unix_timestamp(1_702_592_000).unwrap();
    store.set_deletion(id, Some((at, until))).await.unwrap();
    let record = store.get_secret(id).await.unwrap().unwrap();
    assert_eq!(record.deleted_at, Some(at));
    assert_eq!(record.deletion_date, Some(until));
    store.set_deletion(id, None).await.unwrap();
    assert_eq!(
        store.get_secret(id).await.unwrap().unwrap().deleted_at,
        None
    );
}

/// Adds `count` unlabelled versions created `age` ago.
async fn add_deprecated_versions(store: &SqliteStore, id: i64, prefix: &str, count: usize, age: time::Duration) {
    let created = OffsetDateTime::now_utc() - age;
    for index in 0..count {
        let mut change = VersionChange::new(id, OffsetDateTime::now_utc());
        change.new_version = Some(NewVersion {
            version_id: format!("{prefix}-{index:03}"),
            created_at: created + time::Duration::milliseconds(index as i64),
            value: Some(sealed(2)),
        });
        store.apply_version_change(change).await.unwrap();
    }
}

#[tokio::test]
async fn old_deprecated_versions_are_pruned_past_the_limit() {
    let (store, id, _dir) = store_with_secret().await;
    add_deprecated_versions(&store, id, "old", 120, time::Duration::days(2)).await;

    let versions = store.list_versions(id).await.unwrap();
    assert_eq!(versions.len() as i64, MAX_VERSIONS_PER_SECRET);
    assert!(versions.iter().any(|v| v.version_id == "v1"), "the labelled version stays");
    assert!(!versions.iter().any(|v| v.version_id == "old-000"), "the oldest deprecated version is gone");
    assert!(versions.iter().any(|v| v.version_id == "old-119"), "the newest deprecated version stays");
}

#[tokio::test]
async fn young_deprecated_versions_are_kept() {
    let (store, id, _dir) = store_with_secret().await;
    add_deprecated_versions(&store, id, "young", 110, time::Duration::hours(1)).await;

    let versions = store.list_versions(id).await.unwrap();
    assert_eq!(versions.len(), 111, "versions younger than 24 hours are never deleted");
}
