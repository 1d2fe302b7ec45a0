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
