//! Rotations with the real engine, started by the scheduler or by
//! RotateSecret, and their webhook deliveries to a receiver on loopback.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tumbler::app::App;
use tumbler::notify::signature::verify;
use tumbler::api::ServerOptions;
use tumbler::notify::{DeliveryPolicy, Notifier, WebhookConfig};
use tumbler::rotation::scheduler::{EngineRunner, ManualClock, Scheduler, SchedulerSettings};
use tumbler::schedule::RotationRules;
use tumbler::secrets::{CreateSecretInput, RotationConfig, SecretValue};

use crate::support::{TestServer, create_text_secret};

const WEBHOOK_SECRET: &str = "test-webhook-secret-0123";
const DB_PASSWORD: &str = "scheduled-Password-1";

type Deliveries = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// Starts a receiver on a free loopback port that records every POST.
async fn start_receiver() -> (String, Deliveries) {
    let deliveries: Deliveries = Arc::default();
    let recorded = Arc::clone(&deliveries);
    let router = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let recorded = Arc::clone(&recorded);
            async move {
                recorded.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}/hook"), deliveries)
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn failing_rotator_sends_signed_rotation_failed() {
    let (url, deliveries) = start_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    // Without an allow-list entry the postgres rotator may not connect, so
    // the rotation fails before any network traffic.
    std::fs::write(
        dir.path().join("tumbler.toml"),
        format!(
            "[rotation]\nmax_attempts = 1\n\n[[notifications.webhook]]\nurl = \"{url}\"\n\
             secret = \"{WEBHOOK_SECRET}\"\n"
        ),
    )
    .unwrap();
    let app = App::open_with_store(dir.path(), tumbler::store::testing::test_store_url().as_deref()).await.expect("open");
    let value = format!(
        r#"{{"engine":"postgres","host":"127.0.0.1","port":5432,"username":"nobody","password":"{DB_PASSWORD}","dbname":"postgres"}}"#
    );
    let created = app
        .secrets
        .create_secret(CreateSecretInput {
            name: "app/db".into(),
            value: Some(SecretValue::text(&value)),
            ..Default::default()
        })
        .await
        .expect("create");
    let config = RotationConfig {
        rotator: "postgres".into(),
        settings: Default::default(),
    };
    app.secrets.configure_rotation(&created.arn, Some(config)).await.expect("configure");
    let rules = RotationRules::parse(None, Some("cron(0 1 * * ? *)"), Some("2h")).unwrap();
    let anchor = OffsetDateTime::parse("2027-03-01T00:00:00Z", &Rfc3339).unwrap();
    app.secrets.store_rotation_rules(&created.arn, &rules, anchor).await.expect("rules");

    let clock = Arc::new(ManualClock::new(anchor + time::Duration::hours(1)));
    let engine = Arc::new(app.rotation_engine().expect("engine"));
    let scheduler = Arc::new(Scheduler::new(
        app.secrets.clone(),
        Arc::new(EngineRunner::new(engine)),
        clock,
        Notifier::new(app.config.webhooks.clone(), DeliveryPolicy::default()),
        SchedulerSettings::default(),
    ));
    let report = scheduler.run_pass().await.expect("pass");
    scheduler.flush_notifications().await;

    assert_eq!(report.failed, 1);
    let deliveries = deliveries.lock().unwrap().clone();
    let events: Vec<String> = deliveries
        .iter()
        .map(|(headers, _)| header(headers, "x-tumbler-event"))
        .collect();
    assert!(events.contains(&"RotationStarted".to_owned()), "{events:?}");
    let (headers, body) = deliveries
        .iter()
        .find(|(headers, _)| header(headers, "x-tumbler-event") == "RotationFailed")
        .expect("a RotationFailed delivery");
    let timestamp: i64 = header(headers, "x-tumbler-timestamp").parse().expect("timestamp");
    let signature = header(headers, "x-tumbler-signature");
    assert!(
        verify(WEBHOOK_SECRET.as_bytes(), timestamp, body, &signature),
        "the signature matches the body"
    );
    assert!(
        !verify(b"another-secret-0123456", timestamp, body, &signature),
        "another key does not verify"
    );
    let json: serde_json::Value = serde_json::from_slice(body).expect("JSON body");
    assert_eq!(json["eventName"], "RotationFailed");
    assert_eq!(json["trigger"], "schedule");
    assert_eq!(json["secretName"], "app/db");
    assert_eq!(json["windowStart"], "2027-03-01T01:00:00Z");
    assert_eq!(json["windowEnd"], "2027-03-01T03:00:00Z");
    assert!(json["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "an error message");
    let text = String::from_utf8_lossy(body);
    assert!(!text.contains(DB_PASSWORD), "the body holds no secret value");
}

#[tokio::test]
async fn rotate_secret_failure_sends_rotation_failed() {
    let (url, deliveries) = start_receiver().await;
    let webhook = WebhookConfig::parse(&url, WEBHOOK_SECRET.into()).expect("webhook");
    let options = ServerOptions {
        notifier: Notifier::new(vec![webhook], DeliveryPolicy::default()),
        ..ServerOptions::default()
    };
    // Without an allow-list entry the postgres rotator may not connect, so
    // the rotation fails before any network traffic.
    let server = TestServer::start_with(options, Some("[rotation]\nmax_attempts = 1\n")).await;
    let value = format!(
        r#"{{"engine":"postgres","host":"127.0.0.1","port":5432,"username":"nobody","password":"{DB_PASSWORD}","dbname":"postgres"}}"#
    );
    create_text_secret(&server.client, "app/db", &value).await;
    let rotated = server
        .client
        .rotate_secret()
        .secret_id("app/db")
        .rotation_lambda_arn("postgres")
        .send()
        .await
        .expect("RotateSecret starts the rotation");
    let version_id = rotated.version_id().expect("VersionId").to_owned();

    let started = std::time::Instant::now();
    let failed = loop {
        let found = deliveries
            .lock()
            .unwrap()
            .iter()
            .find(|(headers, _)| header(headers, "x-tumbler-event") == "RotationFailed")
            .cloned();
        if let Some(delivery) = found {
            break delivery;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no RotationFailed delivery");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };

    let events: Vec<String> = deliveries
        .lock()
        .unwrap()
        .iter()
        .map(|(headers, _)| header(headers, "x-tumbler-event"))
        .collect();
    assert_eq!(events.first().map(String::as_str), Some("RotationStarted"));
    let (headers, body) = failed;
    let timestamp: i64 = header(&headers, "x-tumbler-timestamp").parse().expect("timestamp");
    assert!(verify(WEBHOOK_SECRET.as_bytes(), timestamp, &body, &header(&headers, "x-tumbler-signature")));
    let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(json["trigger"], "rotateSecret");
    assert_eq!(json["versionId"], version_id.as_str());
    assert!(json.get("windowStart").is_none(), "no window for a RotateSecret rotation");
    assert!(json["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "an error message");
    assert!(!String::from_utf8_lossy(&body).contains(DB_PASSWORD), "the body holds no secret value");
}
