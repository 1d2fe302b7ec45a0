//! Scheduled rotations with the real engine, and their webhook deliveries to
//! a receiver on loopback.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tumbler::app::App;
use tumbler::notify::signature::verify;
use tumbler::notify::{DeliveryPolicy, Notifier};
use tumbler::rotation::scheduler::{EngineRunner, ManualClock, Scheduler, SchedulerSettings};
use tumbler::schedule::RotationRules;
use tumbler::secrets::{CreateSecretInput, RotationConfig, SecretValue};

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
    assert_eq!(json["secretName"], "app/db");
    assert_eq!(json["windowStart"], "2027-03-01T01:00:00Z");
    assert_eq!(json["windowEnd"], "2027-03-01T03:00:00Z");
    assert!(json["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "an error message");
    let text = String::from_utf8_lossy(body);
    assert!(!text.contains(DB_PASSWORD), "the body holds no secret value");
}
