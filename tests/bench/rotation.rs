//! Times full single-user PostgreSQL rotations through the WebAssembly
//! rotator against the same SQL statements run natively with sqlx, in one
//! process, and prints both with their ratio.
//!
//! ```sh
//! cargo run --release -p tumbler-tests --bin bench-rotation -- 30
//! ```
//!
//! The argument is the number of rotations per side (default 20). Needs the
//! PostgreSQL of the end-to-end tests (`TUMBLER_TEST_PG_*`, `.ci/setup-postgres`).

use std::time::{Duration, Instant};

use tumbler::app::App;
use tumbler::rotation::{QuietObserver, RotateRequest};
use tumbler::secrets::{CreateSecretInput, PasswordSpec, SecretValue};
use tumbler::wasm::AllowList;
use tumbler_tests::PgServer;
use zeroize::Zeroizing;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args().nth(1).map(|text| text.parse()).transpose()?.unwrap_or(20);
    let server = PgServer::from_env();
    server.assert_passwords_enforced().await;

    let data_dir = tempfile::tempdir()?;
    let app = App::open(data_dir.path()).await?;
    let engine = app.rotation_engine()?;
    let allow_list = AllowList::parse([server.allow_host()])?;

    let initial = "bench-Initial-Password-1";
    let wasm_role = server.create_role("bench_wasm", initial).await;
    app.secrets
        .create_secret(CreateSecretInput {
            name: "bench/wasm".to_string(),
            client_request_token: None,
            description: None,
            kms_key_id: None,
            value: Some(SecretValue::Text(Zeroizing::new(server.secret_json(&wasm_role.name, initial)))),
            tags: Vec::new(),
        })
        .await?;

    let request = |rotator: Option<&str>| RotateRequest {
        secret_id: "bench/wasm".to_string(),
        rotator: rotator.map(str::to_string),
        extra_allow_list: allow_list.clone(),
        ..RotateRequest::default()
    };
    let started = Instant::now();
    engine.rotate(request(Some("postgres")), &QuietObserver).await?;
    let cold = started.elapsed();

    let mut wasm_times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        engine.rotate(request(None), &QuietObserver).await?;
        wasm_times.push(started.elapsed());
    }

    let native_role = server.create_role("bench_native", initial).await;
    let mut current = initial.to_string();
    let mut native_times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let pending = app.secrets.get_random_password(&PasswordSpec {
            exclude_characters: ":/@\"'\\".to_string(),
            ..PasswordSpec::default()
        })?;
        let started = Instant::now();
        server.native_rotation(&native_role.name, &current, &pending).await?;
        native_times.push(started.elapsed());
        current = pending.to_string();
    }

    server.drop_role(&wasm_role).await;
    server.drop_role(&native_role).await;

    let wasm = Summary::of(&mut wasm_times);
    let native = Summary::of(&mut native_times);
    println!("rounds: {rounds}");
    println!("first rotation (compiles the rotator): {:.1} ms", ms(cold));
    println!("{:<28} {:>10} {:>10} {:>10}", "", "median ms", "p90 ms", "mean ms");
    wasm.print("wasm rotator (4 steps)");
    native.print("native sqlx, same SQL");
    println!("ratio of medians (wasm / native): {:.2}", ms(wasm.median) / ms(native.median));
    Ok(())
}

struct Summary {
    median: Duration,
    p90: Duration,
    mean: Duration,
}

impl Summary {
    fn of(times: &mut [Duration]) -> Self {
        times.sort();
        let total: Duration = times.iter().sum();
        Self {
            median: times[times.len() / 2],
            p90: times[(times.len() * 9 / 10).min(times.len() - 1)],
            mean: total / times.len() as u32,
        }
    }

    fn print(&self, label: &str) {
        println!("{label:<28} {:>10.2} {:>10.2} {:>10.2}", ms(self.median), ms(self.p90), ms(self.mean));
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
