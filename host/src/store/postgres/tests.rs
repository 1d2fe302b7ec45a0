//! PostgreSQL store behaviour that SQLite cannot show: several connections
//! and processes writing at once. The whole test suite also runs on this
//! store when `TUMBLER_TEST_STORE` names PostgreSQL.

use std::collections::BTreeMap;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::*;
use crate::auth::{AccessKeyRecord, AccessKeyStore};
use crate::crypto::SealedValue;
use crate::store::testing::fresh_postgres_store;
use crate::store::{LabelMove, NewVersion, RotationConfigRecord, StoredValue, ValueKind};

fn sealed(byte: u8) -> StoredValue {
    StoredValue {
        kind: ValueKind::Binary,
        sealed: SealedValue {
            key_id: "tk-test".into(),
            wrapped_key: vec![byte; 60],
            nonce: vec![byte; 12],
            ciphertext: vec![0, 255, byte, 0],
        },
    }
}

fn new_secret(name: &str) -> NewSecret {
    let at = OffsetDateTime::now_utc();
    NewSecret {
        name: name.into(),
        arn: format!("arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}-AbC123"),
        description: Some("a description".into()),
        kms_key_id: None,
        created_at: at,
        tags: vec![TagRecord {
            key: "team".into(),
            value: "db".into(),
        }],
        first_version: Some(NewVersion {
            version_id: "v1".into(),
            created_at: at,
            value: Some(sealed(1)),
        }),
        first_version_labels: vec!["AWSCURRENT".into()],
    }
}

/// Marks a secret due for scheduled rotation at `at`.
async fn make_due(store: &PostgresStore, id: i64, at: OffsetDateTime) {
    let mut change = VersionChange::new(id, at);
    change.rotation_config = Some(RotationConfigRecord {
        enabled: true,
        rotator: "postgres".into(),
        settings: BTreeMap::new(),
    });
    store.apply_version_change(change).await.unwrap();
    let update = RotationFieldsUpdate {
        enabled: None,
        rules: Some(Some(r#"{"ScheduleExpression":"rate(1 days)"}"#.into())),
        next_rotation_at: Some(Some(at)),
    };
    store.update_rotation_fields(id, update).await.unwrap();
}

#[tokio::test]
async fn secret_round_trips_with_binary_value_and_tags() {
    let (store, _) = fresh_postgres_store().await;
    let id = store.insert_secret(new_secret("app/db")).await.unwrap();
    let found = store.find_secret_by_name("app/db").await.unwrap().unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.description.as_deref(), Some("a description"));
    let versions = store.list_versions(id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].value, Some(sealed(1)));
    assert_eq!(versions[0].labels, vec!["AWSCURRENT".to_string()]);
    let tags = store.list_tags(id).await.unwrap();
    assert_eq!(tags[0].value, "db");
}

#[tokio::test]
async fn duplicate_live_name_is_rejected() {
    let (store, _) = fresh_postgres_store().await;
    store.insert_secret(new_secret("app/db")).await.unwrap();
    let mut again = new_secret("app/db");
    again.arn.push('x');
    let error = store.insert_secret(again).await.unwrap_err();
    assert!(matches!(error, StoreError::NameExists(name) if name == "app/db"));
}

#[tokio::test]
async fn reconnecting_applies_no_migration_twice() {
    let (store, url) = fresh_postgres_store().await;
    store.insert_secret(new_secret("app/db")).await.unwrap();
    let reopened = PostgresStore::connect(&url).await.unwrap();
    assert_eq!(reopened.list_secrets().await.unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_label_moves_from_one_holder_let_only_one_win() {
    let (store, _) = fresh_postgres_store().await;
    let id = store.insert_secret(new_secret("app/db")).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut change = VersionChange::new(id, OffsetDateTime::now_utc());
            change.new_version = Some(NewVersion {
                version_id: format!("v-new-{n}"),
                created_at: OffsetDateTime::now_utc(),
                value: Some(sealed(2)),
            });
            change.label_moves = vec![LabelMove::new(
                "AWSCURRENT",
                Some("v1".into()),
                Some(format!("v-new-{n}")),
            )];
            store.apply_version_change(change).await
        }));
    }
    let mut succeeded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => succeeded += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(succeeded, 1);
    // The losers' transactions rolled back, so only the winner's version exists.
    assert_eq!(store.list_versions(id).await.unwrap().len(), 2);
}

#[tokio::test]
async fn concurrent_claimers_lease_each_due_secret_once() {
    let (store, url) = fresh_postgres_store().await;
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for n in 0..60 {
        let id = store
            .insert_secret(new_secret(&format!("app/{n:02}")))
            .await
            .unwrap();
        make_due(&store, id, now - Duration::minutes(1)).await;
        ids.push(id);
    }
    // Separate pools behave like separate replicas.
    let mut tasks = Vec::new();
    for replica in 0..4 {
        let store = Arc::new(PostgresStore::connect(&url).await.unwrap());
        tasks.push(tokio::spawn(async move {
            let owner = format!("replica-{replica}");
            let mut mine = Vec::new();
            for _ in 0..20 {
                let lease = now + Duration::minutes(30);
                let claimed = store.claim_due_rotations(now, 7, &owner, lease).await.unwrap();
                if claimed.is_empty() {
                    break;
                }
                mine.extend(claimed.into_iter().map(|due| due.secret.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, ids);
}

#[tokio::test]
async fn expired_lease_is_claimed_again_and_stale_owner_cannot_release() {
    let (store, _) = fresh_postgres_store().await;
    let now = OffsetDateTime::now_utc();
    let id = store.insert_secret(new_secret("app/db")).await.unwrap();
    make_due(&store, id, now - Duration::minutes(1)).await;

    let first = store
        .claim_due_rotations(now, 10, "dead", now + Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let while_leased = store
        .claim_due_rotations(now + Duration::seconds(10), 10, "alive", now + Duration::minutes(5))
        .await
        .unwrap();
    assert!(while_leased.is_empty());
    let after_expiry = store
        .claim_due_rotations(now + Duration::seconds(31), 10, "alive", now + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(after_expiry.len(), 1);

    let release = ClaimRelease {
        next_rotation_at: Some(Some(now + Duration::days(1))),
        retry_at: None,
        window_attempts: 0,
    };
    assert!(!store.release_rotation_claim(id, "dead", release.clone()).await.unwrap());
    assert!(store.release_rotation_claim(id, "alive", release).await.unwrap());
}

#[tokio::test]
async fn only_one_of_concurrent_first_admin_keys_is_stored() {
    let (store, _) = fresh_postgres_store().await;
    let mut tasks = Vec::new();
    for n in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let key = AccessKeyRecord {
                id: format!("TKIAADMIN{n:011}"),
                name: format!("admin-{n}"),
                description: None,
                sealed_secret: sealed(3).sealed,
                created_at: OffsetDateTime::now_utc(),
                last_used_at: None,
                disabled: false,
                is_admin: true,
                policy: None,
                tags: BTreeMap::new(),
            };
            store.insert_admin_key_if_none(&key).await.unwrap()
        }));
    }
    let mut inserted = 0;
    for task in tasks {
        inserted += usize::from(task.await.unwrap());
    }
    assert_eq!(inserted, 1);
    assert_eq!(store.list_access_keys().await.unwrap().len(), 1);
}

#[tokio::test]
async fn redacted_url_hides_the_password() {
    let shown = redacted_url("postgres://tumbler:hunter2-password@db.internal:5433/vault");
    assert_eq!(shown, "postgres://tumbler@db.internal:5433/vault");
}
