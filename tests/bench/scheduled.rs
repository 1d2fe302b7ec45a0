//! Rotates N PostgreSQL roles that fall due together, first through the
//! scheduler of one `tumbler serve` replica, then through three replicas on
//! one PostgreSQL store. It then runs the same SQL natively with sqlx at the
//! same total concurrency, and prints rotations per second with the ratios.
//!
//! ```sh
//! cargo build --release -p tumbler -p tumbler-tests --bin tumbler --bin bench-scheduled
//! target/release/bench-scheduled 1000
//! ```
//!
//! The argument is the number of roles per run (default 1000). Each replica
//! runs `CONCURRENCY` rotations at a time (environment, default 4). Needs the
//! PostgreSQL of the end-to-end tests (`TUMBLER_TEST_PG_*`,
//! `.ci/setup-postgres`); the `tumbler` binary is taken from the directory of
//! this program.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use tokio::sync::Semaphore;
use tumbler::app::App;
use tumbler::secrets::PasswordSpec;
use tumbler::store::testing::{default_test_postgres_url, fresh_postgres_schema};
use tumbler_tests::PgServer;
use tumbler_tests::replicas::{
    Replica, create_scheduled_roles, make_all_due, replica_config, succeeded_rotations,
};

const TIMEOUT: Duration = Duration::from_secs(1800);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let roles: usize = std::env::args().nth(1).map(|text| text.parse()).transpose()?.unwrap_or(1000);
    let concurrency: usize = std::env::var("CONCURRENCY").ok().map(|text| text.parse()).transpose()?.unwrap_or(4);
    let binary = std::env::current_exe()?.with_file_name("tumbler");
    anyhow::ensure!(binary.exists(), "build the tumbler binary next to this program: {}", binary.display());
    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;

    println!("roles per run: {roles}; rotations at a time per replica: {concurrency}");
    let one = scheduled_run(&server, &binary, roles, 1, concurrency).await?;
    let three = scheduled_run(&server, &binary, roles, 3, concurrency).await?;
    let native_one = native_run(&server, roles, concurrency).await?;
    let native_three = native_run(&server, roles, 3 * concurrency).await?;

    println!("{:<44} {:>10} {:>14}", "", "seconds", "rotations/s");
    let row = |label: &str, elapsed: Duration| {
        println!("{label:<44} {:>10.2} {:>14.1}", elapsed.as_secs_f64(), roles as f64 / elapsed.as_secs_f64());
    };
    row("1 replica, scheduler", one);
    row(&format!("native sqlx, {concurrency} at a time"), native_one);
    row("3 replicas, scheduler", three);
    row(&format!("native sqlx, {} at a time", 3 * concurrency), native_three);
    let rate = |elapsed: Duration| roles as f64 / elapsed.as_secs_f64();
    println!("1 replica / native at the same concurrency: {:.2}", rate(one) / rate(native_one));
    println!("3 replicas / native at the same concurrency: {:.2}", rate(three) / rate(native_three));
    println!("3 replicas / 1 replica: {:.2}", rate(three) / rate(one));
    Ok(())
}

/// Creates `roles` due secrets in a fresh store schema, starts `replicas`
/// servers, and returns the time from the moment all fall due until every
/// rotation has succeeded.
async fn scheduled_run(
    server: &PgServer,
    binary: &std::path::Path,
    roles: usize,
    replicas: usize,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let store_url = fresh_postgres_schema(&default_test_postgres_url()).await?;
    let setup_dir = tempfile::tempdir()?;
    let app = App::open_with_store(setup_dir.path(), Some(&store_url)).await?;
    let scheduled = create_scheduled_roles(&app, server, "bench", roles).await;
    let config = replica_config(server, concurrency, 600);
    let master_key = setup_dir.path().join("master.key");
    let running: Vec<Replica> = (0..replicas)
        .map(|_| Replica::start(binary, &store_url, &master_key, &config))
        .collect();

    let mut watch = PgConnection::connect(&store_url).await?;
    let started = Instant::now();
    make_all_due(&mut watch).await;
    while succeeded_rotations(&mut watch).await < roles as i64 {
        anyhow::ensure!(started.elapsed() < TIMEOUT, "the rotations did not finish within {TIMEOUT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    drop(running);
    for role in &scheduled {
        server.drop_role(&role.role).await;
    }
    Ok(elapsed)
}

/// Rotates `roles` fresh roles with the rotator's SQL, `concurrency` at a time.
async fn native_run(server: &PgServer, roles: usize, concurrency: usize) -> anyhow::Result<Duration> {
    let initial = "native-Initial-Password-1";
    let mut created = Vec::with_capacity(roles);
    for _ in 0..roles {
        created.push(server.create_role("tumbler_native", initial).await);
    }
    let setup_dir = tempfile::tempdir()?;
    let app = App::open(setup_dir.path()).await?;
    let spec = PasswordSpec {
        exclude_characters: ":/@\"'\\".to_string(),
        ..PasswordSpec::default()
    };
    let mut pending = Vec::with_capacity(roles);
    for _ in 0..roles {
        pending.push(app.secrets.get_random_password(&spec)?.to_string());
    }

    let slots = Arc::new(Semaphore::new(concurrency));
    let server = Arc::new(PgServer::from_env());
    let started = Instant::now();
    // Local tasks: sqlx connection futures are not `Send` for every lifetime,
    // and one thread is enough to keep `concurrency` logins in flight.
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (role, new_password) in created.iter().zip(pending) {
                let permit = Arc::clone(&slots).acquire_owned().await?;
                let server = Arc::clone(&server);
                let name = role.name.clone();
                tasks.spawn_local(async move {
                    let result = server.native_rotation(&name, initial, &new_password).await;
                    drop(permit);
                    result
                });
            }
            while let Some(result) = tasks.join_next().await {
                result??;
            }
            anyhow::Ok(())
        })
        .await?;
    let elapsed = started.elapsed();
    for role in &created {
        server.drop_role(role).await;
    }
    Ok(elapsed)
}
