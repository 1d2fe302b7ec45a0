//! The data directory on disk: key file permissions, encryption at rest and
//! tamper detection.

use std::os::unix::fs::PermissionsExt;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};
use crate::support::Tumbler;

const VALUE: &str = "stored-Plaintext-Value-42";

async fn database(tumbler: &Tumbler) -> SqliteConnection {
    let options = SqliteConnectOptions::new().filename(tumbler.data_dir().join("tumbler.db"));
    SqliteConnection::connect_with(&options).await.expect("open the data directory's database")
}

fn assert_decryption_fails(tumbler: &Tumbler, secret: &str, case: &str) {
    let run = tumbler.run(&["secret", "get", secret]);
    assert!(!run.success(), "{case}: reading the secret fails");
    assert!(run.stderr.contains("DecryptionFailure"), "{case}: error type:\n{}", run.stderr);
    assert_eq!(run.stdout, "", "{case}: nothing is printed");
}

#[test]
fn key_file_is_private() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "list"]);
    let metadata = std::fs::metadata(tumbler.data_dir().join("master.key")).expect("key file exists");
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
}

#[test]
fn database_holds_no_plaintext() {
    let tumbler = Tumbler::on_sqlite();
    tumbler.ok(&["secret", "create", "app/plain", "--secret-string", VALUE]);
    let mut bytes = std::fs::read(tumbler.data_dir().join("tumbler.db")).expect("read database");
    if let Ok(wal) = std::fs::read(tumbler.data_dir().join("tumbler.db-wal")) {
        bytes.extend(wal);
    }
    let found = bytes.windows(VALUE.len()).any(|window| window == VALUE.as_bytes());
    assert!(!found, "the value is stored only in encrypted form");
}

#[tokio::test]
async fn tampered_fields_fail_to_open() {
    for column in ["ciphertext", "nonce", "wrapped_key"] {
        let tumbler = Tumbler::on_sqlite();
        tumbler.ok(&["secret", "create", "app/tamper", "--secret-string", VALUE]);
        let mut connection = database(&tumbler).await;
        let row = sqlx::query(&format!("SELECT {column} FROM secret_versions"))
            .fetch_one(&mut connection)
            .await
            .expect("read the sealed column");
        let mut blob: Vec<u8> = row.get(0);
        let last = blob.len() - 1;
        blob[last] ^= 0x01;
        sqlx::query(&format!("UPDATE secret_versions SET {column} = ?"))
            .bind(blob)
            .execute(&mut connection)
            .await
            .expect("tamper with the sealed column");
        connection.close().await.ok();
        assert_decryption_fails(&tumbler, "app/tamper", column);
    }
}

#[tokio::test]
async fn changed_key_id_fails_to_open() {
    let tumbler = Tumbler::on_sqlite();
    tumbler.ok(&["secret", "create", "app/keyid", "--secret-string", VALUE]);
    let mut connection = database(&tumbler).await;
    sqlx::query("UPDATE secret_versions SET key_id = key_id || 'x'")
        .execute(&mut connection)
        .await
        .expect("change the key id");
    connection.close().await.ok();
    let run = tumbler.run(&["secret", "get", "app/keyid"]);
    assert!(!run.success(), "reading with an unknown key id fails");
    assert_eq!(run.stdout, "", "nothing is printed");
}

#[tokio::test]
async fn copied_sealed_value_fails_to_open() {
    let tumbler = Tumbler::on_sqlite();
    tumbler.ok(&["secret", "create", "app/source", "--secret-string", VALUE]);
    tumbler.ok(&["secret", "create", "app/target", "--secret-string", "target-Value-1"]);
    let mut connection = database(&tumbler).await;
    sqlx::query(
        "UPDATE secret_versions SET
            (value_kind, key_id, wrapped_key, nonce, ciphertext) = (
                SELECT v.value_kind, v.key_id, v.wrapped_key, v.nonce, v.ciphertext
                FROM secret_versions v JOIN secrets s ON s.id = v.secret_id
                WHERE s.name = 'app/source')
         WHERE secret_id = (SELECT id FROM secrets WHERE name = 'app/target')",
    )
    .execute(&mut connection)
    .await
    .expect("copy the sealed value");
    connection.close().await.ok();

    assert_decryption_fails(&tumbler, "app/target", "copied row");
    assert_eq!(tumbler.secret_string("app/source", "AWSCURRENT"), VALUE, "the source still opens");
}

#[test]
fn other_master_key_cannot_open() {
    let tumbler = Tumbler::new();
    tumbler.ok(&["secret", "create", "app/key", "--secret-string", VALUE]);
    std::fs::remove_file(tumbler.data_dir().join("master.key")).expect("remove the key file");
    let run = tumbler.run(&["secret", "get", "app/key"]);
    assert!(!run.success(), "a new key cannot open the old value");
    assert_eq!(run.stdout, "", "nothing is printed");
}
