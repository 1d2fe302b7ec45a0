//! Per-step overhead of the rotator runtime: a fresh store and instance from
//! the cached `InstancePre`, plus one call of the rotator's `info` export,
//! which runs no host calls. This is the fixed cost every rotation step pays
//! before the rotator's own work.
//!
//! Run with `cargo bench -p tumbler --bench step_overhead`. Besides
//! criterion's estimate it prints p50 and p99 over single calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tumbler::crypto::Keyring;
use tumbler::secrets::{SecretsService, ServiceConfig};
use tumbler::store::SqliteStore;
use tumbler::wasm::builtin::builtin_rotator;
use tumbler::wasm::{
    AllowList, LoadedRotator, SecretsScope, StepContext, StepLimits, StepState, WasmEngine,
};

/// Calls timed one by one for the percentile pass.
const PERCENTILE_CALLS: usize = 5_000;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    secrets: SecretsService,
    rotator: LoadedRotator,
}

impl Fixture {
    fn new() -> Fixture {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let store = runtime
            .block_on(SqliteStore::open_in_memory())
            .expect("in-memory store");
        let keyring = Keyring::from_key("bench", [9u8; 32]);
        let secrets = SecretsService::new(Arc::new(store), Arc::new(keyring), ServiceConfig::default());
        let engine = WasmEngine::new().expect("wasm engine");
        let bytes = builtin_rotator("postgres").expect("the postgres rotator is built in");
        let rotator = LoadedRotator::load(&engine, "postgres", bytes).expect("rotator compiles");
        Fixture {
            runtime,
            secrets,
            rotator,
        }
    }

    fn state(&self) -> StepState {
        StepState::new(
            self.secrets.clone(),
            SecretsScope {
                rotated_arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-AbCdEf".into(),
                token: "11111111-1111-4111-8111-111111111111".into(),
                readable_arns: Vec::new(),
            },
            AllowList::parse(Vec::<String>::new()).expect("empty allow-list"),
            StepLimits::default(),
            StepContext {
                rotator: "postgres".into(),
                secret_arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-AbCdEf".into(),
                step: "info",
                attempt: 1,
            },
        )
    }

    async fn one_call(&self) {
        let info = self.rotator.info(self.state()).await.expect("info call");
        std::hint::black_box(info);
    }
}

fn percentiles(fixture: &Fixture) {
    let mut samples: Vec<Duration> = fixture.runtime.block_on(async {
        let mut samples = Vec::with_capacity(PERCENTILE_CALLS);
        for _ in 0..PERCENTILE_CALLS {
            let started = Instant::now();
            fixture.one_call().await;
            samples.push(started.elapsed());
        }
        samples
    });
    samples.sort();
    let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
    println!(
        "step overhead over {PERCENTILE_CALLS} single calls: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
        at(0.50).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        samples[samples.len() - 1].as_secs_f64() * 1e6,
    );
}

fn step_overhead(c: &mut Criterion) {
    let fixture = Fixture::new();
    // Warm the instance allocator and caches before any timing.
    fixture.runtime.block_on(async {
        for _ in 0..200 {
            fixture.one_call().await;
        }
    });
    percentiles(&fixture);
    c.bench_function("instantiate_and_call_noop_export", |b| {
        b.iter_custom(|iterations| {
            fixture.runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iterations {
                    fixture.one_call().await;
                }
                started.elapsed()
            })
        })
    });
}

criterion_group!(benches, step_overhead);
criterion_main!(benches);
