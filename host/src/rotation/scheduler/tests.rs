//! Scheduler behaviour with a manual clock and scripted rotation runners.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::*;
use crate::crypto::Keyring;
use crate::schedule::RotationRules;
use crate::secrets::{
    CreateSecretInput, PutSecretValueInput, RotationConfig, SecretValue, ServiceConfig,
};
use crate::store::testing::TestStore;

fn utc(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("RFC 3339 date")
}

async fn open_service(dir: &std::path::Path) -> SecretsService {
    service_on(&TestStore::new(dir).await).await
}

/// Opens a service on a new connection to `store`, as a restarted process does.
async fn service_on(store: &TestStore) -> SecretsService {
    let keyring = Keyring::from_key("tk-default", [7u8; 32]);
    SecretsService::new(store.open().await, Arc::new(keyring), ServiceConfig::default())
}

/// Creates a secret with rotation configured and `schedule` stored from
/// `anchor`. Returns its ARN.
async fn scheduled_secret(
    service: &SecretsService,
    name: &str,
    schedule: &str,
    duration: Option<&str>,
    anchor: OffsetDateTime,
) -> String {
    let created = service
        .create_secret(CreateSecretInput {
            name: name.into(),
            value: Some(SecretValue::text("initial")),
            ..Default::default()
        })
        .await
        .expect("create");
    let config = RotationConfig {
        rotator: "postgres".into(),
        settings: Default::default(),
    };
    service
        .configure_rotation(&created.arn, Some(config))
        .await
        .expect("configure");
    let rules = match schedule.parse::<i64>() {
        Ok(days) => RotationRules::parse(Some(days), None, duration),
        Err(_) => RotationRules::parse(None, Some(schedule), duration),
    }
    .expect("valid rules");
    service
        .store_rotation_rules(&created.arn, &rules, anchor)
        .await
        .expect("store rules");
    created.arn
}

async fn next_rotation(service: &SecretsService, arn: &str) -> Option<OffsetDateTime> {
    service
        .describe_secret(arn)
        .await
        .expect("describe")
        .next_rotation_date
}

/// A runner that records calls at the manual clock's time, fails while the
/// clock is before `fail_until`, and tracks how many calls run at once.
struct ScriptedRunner {
    clock: Arc<ManualClock>,
    fail_until: Option<OffsetDateTime>,
    calls: Mutex<Vec<(String, OffsetDateTime)>>,
    active: AtomicUsize,
    max_active: AtomicUsize,
    barrier: Option<tokio::sync::Barrier>,
}

impl ScriptedRunner {
    fn new(clock: Arc<ManualClock>) -> Self {
        Self {
            clock,
            fail_until: None,
            calls: Mutex::new(Vec::new()),
            active: AtomicUsize::new(0),
            max_active: AtomicUsize::new(0),
            barrier: None,
        }
    }

    fn calls(&self) -> Vec<(String, OffsetDateTime)> {
        self.calls.lock().unwrap().clone()
    }
}

#[async_trait]
impl RotationRunner for ScriptedRunner {
    async fn rotate(&self, secret_arn: &str, _token: Option<String>) -> Result<String, String> {
        let now = self.clock.now();
        self.calls.lock().unwrap().push((secret_arn.to_owned(), now));
        let active = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_active.fetch_max(active, Ordering::SeqCst);
        if let Some(barrier) = &self.barrier {
            barrier.wait().await;
        }
        tokio::task::yield_now().await;
        self.active.fetch_sub(1, Ordering::SeqCst);
        match self.fail_until {
            Some(until) if now < until => Err("setSecret failed: unavailable: database down".into()),
            _ => Ok(uuid::Uuid::new_v4().to_string()),
        }
    }
}

fn scheduler(
    service: &SecretsService,
    runner: Arc<ScriptedRunner>,
    clock: Arc<ManualClock>,
    settings: SchedulerSettings,
) -> Arc<Scheduler> {
    Arc::new(Scheduler::new(
        service.clone(),
        runner,
        clock,
        Notifier::default(),
        settings,
    ))
}

#[tokio::test]
async fn due_secret_rotates_and_other_waits() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    let due = scheduled_secret(&service, "app/due", "cron(0 1 * * ? *)", Some("2h"), anchor).await;
    let later = scheduled_secret(&service, "app/later", "cron(0 5 * * ? *)", None, anchor).await;
    let clock = Arc::new(ManualClock::new(utc("2027-03-01T01:30:00Z")));
    let runner = Arc::new(ScriptedRunner::new(clock.clone()));
    let scheduler = scheduler(&service, runner.clone(), clock, SchedulerSettings::default());

    let report = scheduler.run_pass().await.expect("pass");

    assert_eq!(report.succeeded, 1);
    let calls: Vec<String> = runner.calls().into_iter().map(|(arn, _)| arn).collect();
    assert_eq!(calls, vec![due.clone()]);
    assert_eq!(next_rotation(&service, &due).await, Some(utc("2027-03-02T01:00:00Z")));
    assert_eq!(next_rotation(&service, &later).await, Some(utc("2027-03-01T05:00:00Z")));
}

#[tokio::test]
async fn secret_before_its_window_is_not_claimed() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    scheduled_secret(&service, "app/db", "cron(0 1 * * ? *)", None, anchor).await;
    let clock = Arc::new(ManualClock::new(utc("2027-03-01T00:59:59Z")));
    let runner = Arc::new(ScriptedRunner::new(clock.clone()));
    let scheduler = scheduler(&service, runner.clone(), clock, SchedulerSettings::default());

    let report = scheduler.run_pass().await.expect("pass");

    assert_eq!(report, PassReport::default());
    assert!(runner.calls().is_empty());
}

#[tokio::test]
async fn failed_rotation_retries_only_inside_window() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    let arn = scheduled_secret(&service, "app/db", "cron(0 1 * * ? *)", Some("2h"), anchor).await;
    let clock = Arc::new(ManualClock::new(anchor));
    let mut runner = ScriptedRunner::new(clock.clone());
    runner.fail_until = Some(utc("2027-03-01T04:00:00Z"));
    let runner = Arc::new(runner);
    let settings = SchedulerSettings {
        initial_retry_backoff: Duration::from_secs(10 * 60),
        max_retry_backoff: Duration::from_secs(40 * 60),
        ..SchedulerSettings::default()
    };
    let scheduler = scheduler(&service, runner.clone(), clock.clone(), settings);

    let mut total = PassReport::default();
    // Passes every five minutes from 00:00 on 1 March to 02:00 on 2 March.
    for _ in 0..=(26 * 12) {
        let report = scheduler.run_pass().await.expect("pass");
        total.succeeded += report.succeeded;
        total.failed += report.failed;
        total.abandoned += report.abandoned;
        clock.advance(time::Duration::minutes(5));
    }

    let times: Vec<OffsetDateTime> = runner.calls().into_iter().map(|(_, at)| at).collect();
    let first_window = (utc("2027-03-01T01:00:00Z"), utc("2027-03-01T03:00:00Z"));
    let first_day: Vec<_> = times.iter().filter(|at| **at < utc("2027-03-02T00:00:00Z")).collect();
    assert!(first_day.len() >= 3, "several attempts in the first window: {first_day:?}");
    for at in &first_day {
        assert!(first_window.0 <= **at, "attempt at {at} starts at 01:00 or later");
        assert!(**at < first_window.1, "attempt at {at} starts before 03:00");
    }
    let last = *times.last().expect("attempts");
    assert_eq!(last, utc("2027-03-02T01:00:00Z"), "next day's window rotates at its start");
    assert_eq!(total.abandoned, 1);
    assert_eq!(total.succeeded, 1);
    assert_eq!(next_rotation(&service, &arn).await, Some(utc("2027-03-03T01:00:00Z")));
}

#[tokio::test]
async fn concurrent_rotations_stay_within_limit() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    for index in 0..12 {
        scheduled_secret(&service, &format!("app/db-{index}"), "1", None, anchor).await;
    }
    let clock = Arc::new(ManualClock::new(utc("2027-03-02T06:00:00Z")));
    let mut runner = ScriptedRunner::new(clock.clone());
    // Each group of four runs only when four rotations run at the same time.
    runner.barrier = Some(tokio::sync::Barrier::new(4));
    let runner = Arc::new(runner);
    let settings = SchedulerSettings {
        max_concurrent: 4,
        ..SchedulerSettings::default()
    };
    let scheduler = scheduler(&service, runner.clone(), clock, settings);

    // The timeout only turns a hang into a failure; it measures nothing.
    let report = tokio::time::timeout(Duration::from_secs(60), scheduler.run_pass())
        .await
        .expect("the pass finishes")
        .expect("pass");

    assert_eq!(report.succeeded, 12);
    assert_eq!(runner.max_active.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn restart_keeps_next_rotation_date() {
    let dir = tempfile::tempdir().unwrap();
    let store = TestStore::new(dir.path()).await;
    let anchor = utc("2027-03-07T12:00:00Z");
    let (arn, before) = {
        let service = service_on(&store).await;
        let arn = scheduled_secret(&service, "app/db", "cron(0 2 * * ? *)", Some("1h"), anchor).await;
        let before = next_rotation(&service, &arn).await;
        (arn, before)
    };
    let service = service_on(&store).await;
    let after = next_rotation(&service, &arn).await;
    assert_eq!(before, Some(utc("2027-03-08T02:00:00Z")));
    assert_eq!(after, before);

    let clock = Arc::new(ManualClock::new(utc("2027-03-08T01:00:00Z")));
    let runner = Arc::new(ScriptedRunner::new(clock.clone()));
    let scheduler = scheduler(&service, runner.clone(), clock, SchedulerSettings::default());
    scheduler.run_pass().await.expect("pass");
    assert!(runner.calls().is_empty(), "a restart before the window starts nothing");
    assert_eq!(next_rotation(&service, &arn).await, before);
}

#[tokio::test]
async fn window_missed_while_stopped_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-07T12:00:00Z");
    let arn = scheduled_secret(&service, "app/db", "cron(0 2 * * ? *)", Some("1h"), anchor).await;
    let clock = Arc::new(ManualClock::new(utc("2027-03-09T10:00:00Z")));
    let runner = Arc::new(ScriptedRunner::new(clock.clone()));
    let scheduler = scheduler(&service, runner.clone(), clock, SchedulerSettings::default());

    let report = scheduler.run_pass().await.expect("pass");

    assert_eq!(report.missed, 1);
    assert!(runner.calls().is_empty());
    assert_eq!(next_rotation(&service, &arn).await, Some(utc("2027-03-10T02:00:00Z")));
}

#[tokio::test]
async fn dst_change_keeps_utc_window() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    // Clocks in the United States moved forward on 2027-03-14.
    let anchor = utc("2027-03-13T12:00:00Z");
    let arn = scheduled_secret(&service, "app/db", "cron(0 2 * * ? *)", Some("1h"), anchor).await;
    let clock = Arc::new(ManualClock::new(utc("2027-03-14T02:10:00Z")));
    let runner = Arc::new(ScriptedRunner::new(clock.clone()));
    let scheduler = scheduler(&service, runner.clone(), clock.clone(), SchedulerSettings::default());

    scheduler.run_pass().await.expect("pass");
    clock.set(utc("2027-03-15T02:10:00Z"));
    scheduler.run_pass().await.expect("pass");

    let times: Vec<_> = runner.calls().into_iter().map(|(_, at)| at).collect();
    assert_eq!(times, vec![utc("2027-03-14T02:10:00Z"), utc("2027-03-15T02:10:00Z")]);
    assert_eq!(next_rotation(&service, &arn).await, Some(utc("2027-03-16T02:00:00Z")));
}

#[tokio::test]
async fn claimed_secret_is_not_claimed_twice() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    scheduled_secret(&service, "app/db", "1", None, anchor).await;
    let now = utc("2027-03-02T06:00:00Z");
    let lease_until = now + time::Duration::minutes(30);

    let first = service.claim_due_rotations(now, 10, "a", lease_until).await.unwrap();
    let second = service.claim_due_rotations(now, 10, "b", lease_until).await.unwrap();
    let after_expiry = service.claim_due_rotations(lease_until, 10, "b", lease_until).await.unwrap();

    assert_eq!(first.len(), 1);
    assert!(second.is_empty(), "a live lease hides the secret");
    assert_eq!(after_expiry.len(), 1, "an expired lease can be claimed");
}

#[tokio::test]
async fn claim_returns_at_most_limit() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    for index in 0..6 {
        scheduled_secret(&service, &format!("app/db-{index}"), "1", None, anchor).await;
    }
    let now = utc("2027-03-02T06:00:00Z");
    let claimed = service
        .claim_due_rotations(now, 4, "a", now + time::Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 4);
}

#[tokio::test]
async fn manual_put_counts_as_rotation_for_days() {
    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2026-01-01T00:00:00Z");
    let days = scheduled_secret(&service, "app/days", "30", None, anchor).await;
    let cron = scheduled_secret(&service, "app/cron", "cron(0 2 * * ? *)", None, anchor).await;
    for arn in [&days, &cron] {
        service
            .put_secret_value(PutSecretValueInput {
                secret_id: arn.clone(),
                client_request_token: None,
                value: SecretValue::text("changed by hand"),
                version_stages: None,
            })
            .await
            .expect("put");
    }
    let today = OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);

    let next_days = next_rotation(&service, &days).await.expect("days date");
    assert_eq!(next_days, today + time::Duration::days(30));
    assert_eq!(next_rotation(&service, &cron).await, Some(utc("2026-01-01T02:00:00Z")));
}

#[tokio::test]
async fn rotation_finished_by_a_replica_that_died_is_not_run_again() {
    use crate::store::{NewRotation, RotationStatus, RotationUpdate, VersionChange};

    let dir = tempfile::tempdir().unwrap();
    let service = open_service(dir.path()).await;
    let anchor = utc("2027-03-01T00:00:00Z");
    let arn = scheduled_secret(&service, "app/db", "cron(0 1 * * ? *)", Some("2h"), anchor).await;
    let store = service.store();
    let secret = store.find_secret_by_arn(&arn).await.unwrap().unwrap();
    // Another replica claims the rotation, finishes it at 01:10 and dies
    // before it releases the claim.
    let claimed_at = utc("2027-03-01T01:05:00Z");
    let lease_end = claimed_at + time::Duration::minutes(30);
    let claimed = store
        .claim_due_rotations(claimed_at, 10, "dead-replica", lease_end)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let mut begin = VersionChange::new(secret.id, claimed_at);
    begin.begin_rotation = Some(NewRotation {
        token: "token-1".into(),
        rotator: "postgres".into(),
        next_step: "createSecret".into(),
    });
    store.apply_version_change(begin).await.unwrap();
    let mut finish = RotationUpdate::new(secret.id, "token-1", utc("2027-03-01T01:10:00Z"));
    finish.status = Some(RotationStatus::Succeeded);
    finish.next_step = Some(None);
    finish.set_last_rotated = true;
    store.update_rotation(finish).await.unwrap();

    let clock = Arc::new(ManualClock::new(utc("2027-03-01T01:40:00Z")));
    let runner = Arc::new(ScriptedRunner::new(clock.clone()));
    let scheduler = scheduler(&service, runner.clone(), clock, SchedulerSettings::default());
    let report = scheduler.run_pass().await.expect("pass");

    assert!(runner.calls().is_empty(), "no second rotation in the same window");
    assert_eq!(report, PassReport::default());
    assert_eq!(next_rotation(&service, &arn).await, Some(utc("2027-03-02T01:00:00Z")));
}
