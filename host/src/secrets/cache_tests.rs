//! The read cache against writes from a second service on the same store,
//! as a CLI command next to a running server makes them.

use std::sync::Arc;

use super::test_support::*;
use super::*;
use crate::crypto::Keyring;

/// Opens a second service on the harness's database file, like another process.
async fn second_service(h: &Harness) -> SecretsService {
    let store = h.store.open().await;
    let mut keyring = Keyring::from_key("tk-default", [3u8; 32]);
    keyring
        .add_key("tk-second", Some("alias/app-key"), [4u8; 32])
        .unwrap();
    SecretsService::new(store, Arc::new(keyring), ServiceConfig::default())
}

#[tokio::test]
async fn value_written_elsewhere_is_read_at_once() {
    let h = harness().await;
    create(&h.service, "app/db", Some("first"), T1).await;
    assert_eq!(current_text(&h.service, "app/db").await, "first");

    let other = second_service(&h).await;
    put(&other, "app/db", "second", T2, None).await.unwrap();

    assert_eq!(current_text(&h.service, "app/db").await, "second");
}

#[tokio::test]
async fn cached_miss_finds_later_secret() {
    let h = harness().await;
    let missing = h.service.get_secret_value("app/new", None, None).await;
    assert!(matches!(missing, Err(SecretsError::ResourceNotFound(_))));

    let other = second_service(&h).await;
    create(&other, "app/new", Some("value"), T1).await;

    assert_eq!(current_text(&h.service, "app/new").await, "value");
}

#[tokio::test]
async fn deletion_elsewhere_is_seen_at_once() {
    let h = harness().await;
    create(&h.service, "app/db", Some("first"), T1).await;
    assert_eq!(current_text(&h.service, "app/db").await, "first");

    let other = second_service(&h).await;
    other.delete_secret("app/db", None, true).await.unwrap();

    let after = h.service.get_secret_value("app/db", None, None).await;
    assert!(matches!(after, Err(SecretsError::ResourceNotFound(_))));
}

#[tokio::test]
async fn listing_reflects_a_secret_created_elsewhere() {
    let h = harness().await;
    create(&h.service, "a", Some("1"), T1).await;
    assert_eq!(h.service.list_secrets().await.unwrap().len(), 1);

    let other = second_service(&h).await;
    create(&other, "b", Some("2"), T2).await;

    assert_eq!(h.service.list_secrets().await.unwrap().len(), 2);
}

#[tokio::test]
async fn own_write_is_read_back_at_once() {
    let h = harness().await;
    create(&h.service, "app/db", Some("first"), T1).await;
    assert_eq!(current_text(&h.service, "app/db").await, "first");
    put(&h.service, "app/db", "second", T2, None).await.unwrap();
    assert_eq!(current_text(&h.service, "app/db").await, "second");
}

#[tokio::test]
async fn request_marker_sees_earlier_write() {
    let h = sqlite_harness().await;
    create(&h.service, "app/db", Some("first"), T1).await;
    let before = h.service.change_marker();
    let first = h
        .service
        .get_secret_value_at(before, "app/db", None, None)
        .await
        .unwrap();
    assert!(first.value == text("first"), "the first value is read");

    let other = second_service(&h).await;
    put(&other, "app/db", "second", T2, None).await.unwrap();

    let after = h.service.change_marker();
    assert_ne!(before, after);
    let second = h
        .service
        .get_secret_value_at(after, "app/db", None, None)
        .await
        .unwrap();
    assert!(second.value == text("second"), "the second value is read");
}

#[tokio::test]
async fn resource_context_sees_changes_elsewhere() {
    let h = harness().await;
    create(&h.service, "app/db", Some("first"), T1).await;
    let before = h
        .service
        .resource_context_at(h.service.change_marker(), "app/db")
        .await
        .unwrap();
    assert_eq!(before.resource_policy, None);
    assert!(before.tags.is_empty());

    let other = second_service(&h).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    other.put_resource_policy("app/db", policy).await.unwrap();
    let tags = [Tag {
        key: "team".into(),
        value: "payments".into(),
    }];
    other.tag_resource("app/db", &tags).await.unwrap();

    let after = h
        .service
        .resource_context_at(h.service.change_marker(), "app/db")
        .await
        .unwrap();
    assert_eq!(after.arn, before.arn);
    assert_eq!(after.name, "app/db");
    assert_eq!(after.resource_policy.as_deref(), Some(policy));
    assert_eq!(after.tags.get("team").map(String::as_str), Some("payments"));
}
