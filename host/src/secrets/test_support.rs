//! Shared fixtures for the service tests: a service on a real SQLite file,
//! or on a fresh PostgreSQL schema when the suite runs on PostgreSQL.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::crypto::Keyring;
use crate::store::testing::TestStore;

pub(super) const T1: &str = "11111111-1111-4111-8111-111111111111";
pub(super) const T2: &str = "22222222-2222-4222-8222-222222222222";
pub(super) const T3: &str = "33333333-3333-4333-8333-333333333333";

pub(super) struct Harness {
    pub(super) service: SecretsService,
    /// The service's store, to open a second connection to it.
    pub(super) store: TestStore,
    pub(super) _dir: tempfile::TempDir,
}

pub(super) async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let test_store = TestStore::new(dir.path()).await;
    harness_on(test_store, dir).await
}

/// Creates a harness on an SQLite file on every store pass, for tests of
/// the SQLite change marker.
pub(super) async fn sqlite_harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let test_store = TestStore {
        location: crate::store::StoreLocation::default_for(dir.path()),
    };
    harness_on(test_store, dir).await
}

async fn harness_on(test_store: TestStore, dir: tempfile::TempDir) -> Harness {
    let store = test_store.open().await;
    let mut keyring = Keyring::from_key("tk-default", [3u8; 32]);
    keyring
        .add_key("tk-second", Some("alias/app-key"), [4u8; 32])
        .unwrap();
    let service = SecretsService::new(store, Arc::new(keyring), ServiceConfig::default());
    Harness {
        service,
        store: test_store,
        _dir: dir,
    }
}

pub(super) fn text(value: &str) -> SecretValue {
    SecretValue::text(value)
}

pub(super) async fn create(
    service: &SecretsService,
    name: &str,
    value: Option<&str>,
    token: &str,
) -> CreateSecretOutput {
    service
        .create_secret(CreateSecretInput {
            name: name.into(),
            client_request_token: Some(token.into()),
            value: value.map(text),
            ..Default::default()
        })
        .await
        .unwrap()
}

pub(super) async fn put(
    service: &SecretsService,
    secret_id: &str,
    value: &str,
    token: &str,
    stages: Option<&[&str]>,
) -> Result<PutSecretValueOutput, SecretsError> {
    service
        .put_secret_value(PutSecretValueInput {
            secret_id: secret_id.into(),
            client_request_token: Some(token.into()),
            value: text(value),
            version_stages: stages.map(|s| s.iter().map(|l| (*l).to_owned()).collect()),
        })
        .await
}

pub(super) async fn current_text(service: &SecretsService, secret_id: &str) -> String {
    match service
        .get_secret_value(secret_id, None, None)
        .await
        .unwrap()
        .value
    {
        SecretValue::Text(text) => text.to_string(),
        SecretValue::Binary(_) => panic!("expected text"),
    }
}

pub(super) async fn stages_of(
    service: &SecretsService,
    secret_id: &str,
) -> BTreeMap<String, Vec<String>> {
    service
        .describe_secret(secret_id)
        .await
        .unwrap()
        .version_ids_to_stages
        .unwrap_or_default()
}

pub(super) fn rotation_config() -> RotationConfig {
    RotationConfig {
        rotator: "postgres-single-user".into(),
        settings: Default::default(),
    }
}
