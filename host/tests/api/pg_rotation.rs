//! A full rotation through the API with the built-in PostgreSQL rotator
//! against the test server (`TUMBLER_TEST_PG_*`, default 127.0.0.1:5432).

use aws_sdk_secretsmanager::types::ExternalSecretRotationMetadataItem;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use tumbler::api::ServerOptions;
use tumbler::store::RotationStatus;

use crate::support::{TestServer, create_text_secret, describe};

struct PgSettings {
    host: String,
    port: u16,
    user: String,
    password: String,
    database: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl PgSettings {
    fn from_env() -> Self {
        Self {
            host: env_or("TUMBLER_TEST_PG_HOST", "127.0.0.1"),
            port: env_or("TUMBLER_TEST_PG_PORT", "5432")
                .parse()
                .expect("TUMBLER_TEST_PG_PORT"),
            user: env_or("TUMBLER_TEST_PG_USER", "postgres"),
            password: env_or("TUMBLER_TEST_PG_PASSWORD", ""),
            database: env_or("TUMBLER_TEST_PG_DATABASE", "postgres"),
        }
    }

    async fn admin(&self) -> PgConnection {
        let options = PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .username(&self.user)
            .password(&self.password)
            .database(&self.database)
            .disable_statement_logging();
        PgConnection::connect_with(&options)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL is not reachable at {}:{} as {} ({error}); start it or set \
                 TUMBLER_TEST_PG_HOST/PORT/USER/PASSWORD",
                    self.host, self.port, self.user
                )
            })
    }
}

#[tokio::test]
async fn rotation_through_api_succeeds_and_repeats() {
    let pg = PgSettings::from_env();
    let role = format!(
        "api_user_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut admin = pg.admin().await;
    sqlx::raw_sql(&format!(
        "CREATE ROLE \"{role}\" LOGIN PASSWORD 'initial-Password-1'"
    ))
    .execute(&mut admin)
    .await
    .expect("create the test role");

    let config = format!(
        "[rotators.postgres]\nallow_hosts = [\"postgres://{}:{}\"]\n",
        pg.host, pg.port
    );
    let server = TestServer::start_with(ServerOptions::default(), Some(&config)).await;
    let client = &server.client;
    let secret = serde_json::json!({
        "engine": "postgres",
        "host": pg.host,
        "port": pg.port,
        "username": role,
        "password": "initial-Password-1",
        "dbname": pg.database,
    })
    .to_string();
    let created = create_text_secret(&client, "app/db", &secret).await;
    let first_version = created.version_id().unwrap().to_owned();

    let rotated = client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder()
                .automatically_after_days(30)
                .build(),
        )
        .external_secret_rotation_metadata(
            ExternalSecretRotationMetadataItem::builder()
                .key("password-length")
                .value("40")
                .build(),
        )
        .send()
        .await
        .expect("RotateSecret");
    let second_version = rotated.version_id().expect("VersionId").to_owned();
    assert_eq!(
        server.wait_for_rotation("app/db").await,
        RotationStatus::Succeeded
    );

    let current = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(current.version_id(), Some(second_version.as_str()));
    let current_json: serde_json::Value =
        serde_json::from_str(current.secret_string().unwrap()).expect("JSON secret");
    let password = current_json["password"].as_str().expect("password");
    assert_eq!(
        password.chars().count(),
        40,
        "the metadata set the rotator's password-length"
    );
    let previous = client
        .get_secret_value()
        .secret_id("app/db")
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    assert_eq!(previous.version_id(), Some(first_version.as_str()));
    let described = describe(&client, "app/db").await;
    assert_eq!(described.rotation_enabled(), Some(true));
    assert!(
        described.last_rotated_date().is_some(),
        "LastRotatedDate after a rotation"
    );
    assert_eq!(
        described
            .rotation_rules()
            .and_then(|r| r.automatically_after_days()),
        Some(30)
    );

    let again = client
        .rotate_secret()
        .secret_id("app/db")
        .send()
        .await
        .expect("RotateSecret with the stored configuration");
    let third_version = again.version_id().unwrap().to_owned();
    assert_eq!(
        server.wait_for_rotation("app/db").await,
        RotationStatus::Succeeded
    );
    let current = client
        .get_secret_value()
        .secret_id("app/db")
        .send()
        .await
        .unwrap();
    assert_eq!(current.version_id(), Some(third_version.as_str()));

    server.stop().await;
    sqlx::raw_sql(&format!("DROP ROLE IF EXISTS \"{role}\""))
        .execute(&mut admin)
        .await
        .expect("drop the test role");
}
