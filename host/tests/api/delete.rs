//! DeleteSecret and RestoreSecret.

use crate::support::{TestServer, create_text_secret, describe, service_error};

#[tokio::test]
async fn delete_validates_the_recovery_window() {
    let server = TestServer::start().await;
    let client = &server.client;
    client.create_secret().name("app/db").send().await.unwrap();
    for days in [0, 6, 31] {
        let (code, message) = service_error(
            client
                .delete_secret()
                .secret_id("app/db")
                .recovery_window_in_days(days)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException", "{days} days");
        assert!(message.contains("between 7 and 30 days"), "{message}");
    }
    let (code, message) = service_error(
        client
            .delete_secret()
            .secret_id("app/db")
            .recovery_window_in_days(7)
            .force_delete_without_recovery(true)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
    );
    let described = describe(&client, "app/db").await;
    assert!(described.deleted_date().is_none(), "nothing was deleted");
}

#[tokio::test]
async fn delete_and_restore() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;

    let deleted = client
        .delete_secret()
        .secret_id("app/db")
        .recovery_window_in_days(7)
        .send()
        .await
        .expect("DeleteSecret");
    let deletion = deleted.deletion_date().expect("DeletionDate").secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (deletion - now - 7 * 86_400).abs() < 120,
        "DeletionDate is 7 days out"
    );

    let (code, _) = service_error(client.delete_secret().secret_id("app/db").send().await);
    assert_eq!(code, "InvalidRequestException", "already scheduled");

    let restored = client
        .restore_secret()
        .secret_id("app/db")
        .send()
        .await
        .expect("restore");
    assert_eq!(restored.name(), Some("app/db"));
    let value = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .expect("usable again");
    assert_eq!(value.secret_string(), Some("v1"));
}

#[tokio::test]
async fn force_delete_removes_at_once_and_accepts_unknown() {
    let server = TestServer::start().await;
    let client = &server.client;
    create_text_secret(&client, "app/db", "v1").await;
    client
        .delete_secret()
        .secret_id("app/db")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("force delete");
    let (code, _) = service_error(client.describe_secret().secret_id("app/db").send().await);
    assert_eq!(code, "ResourceNotFoundException");

    let unknown = client
        .delete_secret()
        .secret_id("never/existed")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("force delete of an unknown secret succeeds");
    assert_eq!(unknown.name(), Some("never/existed"));

    client
        .create_secret()
        .name("app/db")
        .send()
        .await
        .expect("the name is free again");
    let (code, _) = service_error(client.restore_secret().secret_id("missing").send().await);
    assert_eq!(code, "ResourceNotFoundException");
}
