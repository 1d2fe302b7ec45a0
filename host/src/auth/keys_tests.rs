use std::sync::Arc;

use super::*;
use crate::store::SqliteStore;

async fn access_keys() -> AccessKeys {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let keyring = Keyring::from_key("test-kek", [7u8; crate::crypto::KEY_LEN]);
    AccessKeys::new(Arc::new(store), Arc::new(keyring))
}

#[test]
fn key_id_has_aws_shape() {
    let id = generate_key_id();
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("TKIA"));
    assert!(
        id[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_ne!(id, generate_key_id());
}

#[test]
fn secret_has_aws_length() {
    let secret = generate_secret();
    assert_eq!(secret.len(), 40);
    assert_ne!(secret.as_str(), generate_secret().as_str());
}

#[tokio::test]
async fn created_key_resolves_with_its_secret() {
    let keys = access_keys().await;
    let created = keys
        .create(NewAccessKey {
            name: Some("app".into()),
            policy: Some(
                r#"{"Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#
                    .into(),
            ),
            tags: [("team".to_owned(), "payments".to_owned())].into(),
            ..NewAccessKey::default()
        })
        .await
        .unwrap();

    let resolved = keys.resolve(&created.record.id).await.unwrap().unwrap();
    assert_eq!(
        resolved.secret_access_key.as_slice(),
        created.secret_access_key.as_bytes()
    );
    assert_eq!(resolved.record.name, "app");
    assert!(!resolved.record.is_admin);
    assert!(resolved.policy.is_some());
    assert_eq!(
        resolved.record.tags.get("team").map(String::as_str),
        Some("payments")
    );
}

#[tokio::test]
async fn stored_secret_is_sealed() {
    let keys = access_keys().await;
    let created = keys.create(NewAccessKey::default()).await.unwrap();
    let stored = keys
        .store()
        .get_access_key(&created.record.id)
        .await
        .unwrap()
        .unwrap();
    let secret = created.secret_access_key.as_bytes();
    assert!(
        !stored
            .sealed_secret
            .ciphertext
            .windows(secret.len())
            .any(|w| w == secret),
        "the plaintext secret must not be stored"
    );
    assert_eq!(
        stored.name, created.record.id,
        "the name defaults to the key id"
    );
}

#[tokio::test]
async fn sealed_secret_is_bound_to_key_id() {
    let keys = access_keys().await;
    let first = keys.create(NewAccessKey::default()).await.unwrap();
    let mut second = keys.create(NewAccessKey::default()).await.unwrap();
    keys.delete(&second.record.id).await.unwrap();

    second.record.sealed_secret = first.record.sealed_secret.clone();
    keys.store()
        .insert_access_key(&second.record)
        .await
        .unwrap();
    assert!(matches!(
        keys.resolve(&second.record.id).await,
        Err(AccessKeyError::Crypto(_))
    ));
}

#[tokio::test]
async fn deleted_and_disabled_keys_do_not_resolve() {
    let keys = access_keys().await;
    let deleted = keys.create(NewAccessKey::default()).await.unwrap();
    let disabled = keys.create(NewAccessKey::default()).await.unwrap();

    keys.delete(&deleted.record.id).await.unwrap();
    keys.set_disabled(&disabled.record.id, true).await.unwrap();
    assert!(keys.resolve(&deleted.record.id).await.unwrap().is_none());
    assert!(keys.resolve(&disabled.record.id).await.unwrap().is_none());
    assert!(
        keys.resolve("TKIAUNKNOWNUNKNOWN00")
            .await
            .unwrap()
            .is_none()
    );

    keys.set_disabled(&disabled.record.id, false).await.unwrap();
    assert!(keys.resolve(&disabled.record.id).await.unwrap().is_some());
    assert!(matches!(
        keys.delete(&deleted.record.id).await,
        Err(AccessKeyError::NotFound(_))
    ));
}

#[tokio::test]
async fn invalid_name_and_policy_are_rejected() {
    let keys = access_keys().await;
    let bad_name = keys
        .create(NewAccessKey {
            name: Some("has space".into()),
            ..NewAccessKey::default()
        })
        .await;
    assert!(matches!(bad_name, Err(AccessKeyError::InvalidName(_))));

    let bad_policy = keys
        .create(NewAccessKey {
            policy: Some(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"}]}"#.into(),
            ),
            ..NewAccessKey::default()
        })
        .await;
    assert!(matches!(bad_policy, Err(AccessKeyError::InvalidPolicy(_))));
    assert!(keys.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn only_one_admin_key_is_bootstrapped() {
    let keys = access_keys().await;
    let dir = tempfile::tempdir().unwrap();

    let created = crate::auth::bootstrap_admin_key(&keys, dir.path())
        .await
        .unwrap()
        .unwrap();
    assert!(created.record.is_admin);
    assert_eq!(created.record.name, "admin");
    assert!(
        crate::auth::bootstrap_admin_key(&keys, dir.path())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(keys.list().await.unwrap().len(), 1);

    let path = dir.path().join(crate::auth::ADMIN_CREDENTIALS_FILE);
    let contents = std::fs::read_to_string(&path).unwrap();
    assert!(contents.contains("[default]"));
    assert!(contents.contains(&format!("aws_access_key_id = {}", created.record.id)));
    assert!(contents.contains(&format!(
        "aws_secret_access_key = {}",
        created.secret_access_key.as_str()
    )));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn key_deleted_by_another_process_stops_resolving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tumbler.db");
    let keyring = Arc::new(Keyring::from_key("test-kek", [7u8; crate::crypto::KEY_LEN]));
    let server = AccessKeys::new(Arc::new(SqliteStore::open(&path).await.unwrap()), keyring.clone());
    let cli = AccessKeys::new(Arc::new(SqliteStore::open(&path).await.unwrap()), keyring);

    let created = cli.create(NewAccessKey::default()).await.unwrap();
    assert!(server.resolve(&created.record.id).await.unwrap().is_some());

    cli.delete(&created.record.id).await.unwrap();

    assert!(server.resolve(&created.record.id).await.unwrap().is_none());
}

#[tokio::test]
async fn marker_after_deletion_stops_resolving() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tumbler.db");
    let keyring = Arc::new(Keyring::from_key("test-kek", [7u8; crate::crypto::KEY_LEN]));
    let server = AccessKeys::new(Arc::new(SqliteStore::open(&path).await.unwrap()), keyring.clone());
    let cli = AccessKeys::new(Arc::new(SqliteStore::open(&path).await.unwrap()), keyring);

    let created = cli.create(NewAccessKey::default()).await.unwrap();
    let before = server.store().change_marker();
    let resolved = server.resolve_at(before, &created.record.id).await.unwrap();
    assert!(resolved.is_some());

    cli.delete(&created.record.id).await.unwrap();

    let after = server.store().change_marker();
    assert_ne!(before, after);
    let resolved = server.resolve_at(after, &created.record.id).await.unwrap();
    assert!(resolved.is_none());
}

#[tokio::test]
async fn marker_from_another_store_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tumbler.db");
    let keyring = Arc::new(Keyring::from_key("test-kek", [7u8; crate::crypto::KEY_LEN]));
    let server = AccessKeys::new(Arc::new(SqliteStore::open(&path).await.unwrap()), keyring.clone());
    let cli = AccessKeys::new(Arc::new(SqliteStore::open(&path).await.unwrap()), keyring);

    let created = cli.create(NewAccessKey::default()).await.unwrap();
    let foreign = cli.store().change_marker();
    assert!(foreign.is_some());
    let resolved = server.resolve_at(foreign, &created.record.id).await.unwrap();
    assert!(resolved.is_some());

    cli.delete(&created.record.id).await.unwrap();

    // The CLI's marker does not describe the server's cache, so the server
    // reads its own marker and finds the deletion.
    let resolved = server.resolve_at(foreign, &created.record.id).await.unwrap();
    assert!(resolved.is_none());
}
