//! The scheduler of `tumbler serve` rotating a real PostgreSQL role on its
//! schedule, with a manual clock.

use std::sync::Arc;

use time::OffsetDateTime;
use tumbler::app::App;
use tumbler::notify::Notifier;
use tumbler::rotation::scheduler::{EngineRunner, ManualClock, Scheduler, SchedulerSettings};
use tumbler_tests::PgServer;

use crate::support::Tumbler;

fn epoch_seconds(value: &serde_json::Value) -> Option<f64> {
    value.as_f64()
}

#[tokio::test]
async fn scheduler_rotates_due_secret_only() {
    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;
    let password = "scheduled-Password-1";
    let role = server.create_role("sched_user", password).await;
    let other_password = "unscheduled-Password-1";
    let other_role = server.create_role("sched_other", other_password).await;
    let tumbler = Tumbler::new();
    std::fs::write(
        tumbler.data_dir().join("tumbler.toml"),
        format!("[rotators.postgres]\nallow_hosts = [\"{}\"]\n", server.allow_host()),
    )
    .expect("write tumbler.toml");
    tumbler.ok(&["secret", "create", "app/due", "--secret-string", &server.secret_json(&role.name, password)]);
    tumbler.ok(&[
        "secret",
        "create",
        "app/later",
        "--secret-string",
        &server.secret_json(&other_role.name, other_password),
    ]);
    // The next window of a daily schedule starts within 24 hours; the other
    // secret rotates only every 30 days.
    for (secret, schedule) in [("app/due", "cron(0 3 * * ? *)"), ("app/later", "30")] {
        tumbler.ok(&[
            "secret",
            "rotate",
            secret,
            "--rotator",
            "postgres",
            "--schedule",
            schedule,
            "--duration",
            "2h",
            "--no-rotate-immediately",
        ]);
    }
    let due_before = tumbler.describe("app/due");
    let next = epoch_seconds(&due_before["NextRotationDate"]).expect("NextRotationDate");
    let window_start = OffsetDateTime::from_unix_timestamp(next as i64).expect("date");
    assert_eq!(window_start.hour(), 3);
    assert_eq!(
        due_before["RotationRules"]["ScheduleExpression"],
        serde_json::json!("cron(0 3 * * ? *)")
    );
    let later_next = tumbler.describe("app/later")["NextRotationDate"].clone();
    let current_before = tumbler.version_with("app/due", "AWSCURRENT").expect("AWSCURRENT");

    let app = App::open_with_store(tumbler.data_dir(), tumbler.store_url()).await.expect("open the data directory");
    let clock = Arc::new(ManualClock::new(window_start + time::Duration::minutes(10)));
    let engine = Arc::new(app.rotation_engine().expect("engine"));
    let scheduler = Arc::new(Scheduler::new(
        app.secrets.clone(),
        Arc::new(EngineRunner::new(engine)),
        clock,
        Notifier::default(),
        SchedulerSettings::default(),
    ));
    let report = scheduler.run_pass().await.expect("pass");

    assert_eq!(report.succeeded, 1, "{report:?}");
    let current_after = tumbler.version_with("app/due", "AWSCURRENT").expect("AWSCURRENT");
    assert_ne!(current_after, current_before, "AWSCURRENT moved");
    let rotated: serde_json::Value =
        serde_json::from_str(&tumbler.secret_string("app/due", "AWSCURRENT")).expect("JSON secret");
    let new_password = rotated["password"].as_str().expect("password");
    assert!(server.can_login(&role.name, new_password).await, "the new password logs in");
    assert!(!server.can_login(&role.name, password).await, "the old password is refused");
    assert!(server.can_login(&other_role.name, other_password).await, "the other role is untouched");

    let due_after = tumbler.describe("app/due");
    assert!(due_after.get("LastRotatedDate").is_some(), "LastRotatedDate is set");
    let next_after = epoch_seconds(&due_after["NextRotationDate"]).expect("NextRotationDate");
    let expected = window_start + time::Duration::days(1);
    assert_eq!(next_after as i64, expected.unix_timestamp(), "next window is a day later");
    assert_eq!(tumbler.describe("app/later")["NextRotationDate"], later_next);
    server.drop_role(&role).await;
    server.drop_role(&other_role).await;
}
