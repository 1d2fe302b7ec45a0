//! Three `tumbler serve` replicas on one PostgreSQL store share the
//! scheduler: 200 real PostgreSQL roles fall due at once, one replica is
//! killed with SIGKILL while it holds leases, and every role is still
//! rotated exactly once.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use tumbler::app::App;
use tumbler::secrets::SecretValue;
use tumbler::store::testing::{default_test_postgres_url, fresh_postgres_schema, test_postgres_url};
use tumbler_tests::PgServer;
use tumbler_tests::replicas::{
    Replica, create_scheduled_roles, make_all_due, replica_config, succeeded_rotations,
};

use crate::support::binary_path;

const ROLES: usize = 200;
const REPLICAS: usize = 3;
/// Rotations that must have finished before a replica is killed.
const KILL_AFTER: i64 = 20;
const FINISH_TIMEOUT: Duration = Duration::from_secs(300);

async fn count(store: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(store).await.expect("count rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_rotate_each_due_secret_exactly_once_when_one_is_killed() {
    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;
    let base = test_postgres_url().unwrap_or_else(default_test_postgres_url);
    let store_url = fresh_postgres_schema(&base).await.expect("a fresh store schema");

    // One process creates the secrets and their schedules, as an operator would.
    let setup_dir = tempfile::tempdir().expect("setup data directory");
    let app = App::open_with_store(setup_dir.path(), Some(&store_url))
        .await
        .expect("open the PostgreSQL store");
    let roles = create_scheduled_roles(&app, &server, "replicas", ROLES).await;
    let mut watch = PgConnection::connect(&store_url).await.expect("watch connection");
    assert_eq!(make_all_due(&mut watch).await, ROLES as u64);

    let config = replica_config(&server, 4, 10);
    let master_key = setup_dir.path().join("master.key");
    let mut replicas: Vec<Option<Replica>> = (0..REPLICAS)
        .map(|_| Some(Replica::start(&binary_path(), &store_url, &master_key, &config)))
        .collect();

    let victim = replicas[0].as_ref().expect("first replica").pid();
    let victim_leases =
        format!("SELECT count(*) FROM secrets WHERE rotation_lease_owner LIKE '{victim}-%'");
    let started = Instant::now();
    let mut leases_at_kill = 0;
    while started.elapsed() < FINISH_TIMEOUT {
        let done = succeeded_rotations(&mut watch).await;
        let held = count(&mut watch, &victim_leases).await;
        if done >= KILL_AFTER && held > 0 {
            leases_at_kill = held;
            // Dropping the replica sends SIGKILL: none of its shutdown code runs.
            replicas[0] = None;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(leases_at_kill > 0, "the first replica was killed while it held leases");

    loop {
        let done = succeeded_rotations(&mut watch).await;
        if done >= ROLES as i64 {
            break;
        }
        if started.elapsed() >= FINISH_TIMEOUT {
            let logs: Vec<String> = replicas.iter().flatten().map(|replica| replica.log_tail(20)).collect();
            panic!(
                "only {done} of {ROLES} rotations finished within {FINISH_TIMEOUT:?}; replica logs:\n{}",
                logs.join("\n---\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Two more scheduler passes: nothing may start again once a schedule moved on.
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(replicas);

    let rotations = count(&mut watch, "SELECT count(*) FROM rotations").await;
    assert_eq!(rotations, ROLES as i64, "one rotation per secret, none twice");
    let versions: Vec<i64> = sqlx::query_scalar(
        "SELECT count(*) FROM secret_versions GROUP BY secret_id ORDER BY secret_id",
    )
    .fetch_all(&mut watch)
    .await
    .expect("count versions");
    assert_eq!(versions, vec![2; ROLES], "each secret has its first and one rotated version");
    let still_due = count(
        &mut watch,
        "SELECT count(*) FROM secrets \
         WHERE next_rotation_at <= (extract(epoch FROM now()) * 1000)::bigint",
    )
    .await;
    assert_eq!(still_due, 0, "every schedule moved to its next window");

    for scheduled in &roles {
        let name = &scheduled.secret_name;
        let current = app
            .secrets
            .get_secret_value(name, None, Some("AWSCURRENT"))
            .await
            .expect("read AWSCURRENT");
        let SecretValue::Text(text) = &current.value else {
            panic!("{name} holds a text value");
        };
        let value: serde_json::Value = serde_json::from_str(text).expect("JSON secret");
        let password = value["password"].as_str().expect("password");
        let role = &scheduled.role.name;
        assert!(server.can_login(role, password).await, "{name}: AWSCURRENT logs in");
        assert!(
            !server.can_login(role, &scheduled.initial_password).await,
            "{name}: the initial password is refused"
        );
        server.drop_role(&scheduled.role).await;
    }
}
