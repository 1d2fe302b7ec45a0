//! Graceful shutdown.

use tumbler::store::RotationStatus;

use crate::support::{TestServer, create_text_secret};

#[tokio::test]
async fn shutdown_waits_for_background_rotation() {
    let server = TestServer::start().await;
    let client = server.client.clone();
    let secret = r#"{"engine":"postgres","host":"127.0.0.1","port":1,"username":"u","password":"initial-Password-1","dbname":"postgres"}"#;
    create_text_secret(&client, "app/db", secret).await;
    client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .send()
        .await
        .expect("RotateSecret");

    let secrets = server.secrets.clone();
    let address = server.address;
    server.stop().await;

    let status = secrets
        .rotation_status("app/db")
        .await
        .unwrap()
        .expect("a rotation")
        .status;
    assert_ne!(
        status,
        RotationStatus::InProgress,
        "shutdown waited for the rotation"
    );
    let refused = tokio::net::TcpStream::connect(address).await;
    assert!(refused.is_err(), "the listener is closed");
}
