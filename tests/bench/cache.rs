//! Times a host start, from opening the data directory to a rotator that is
//! ready to instantiate, with the compiled-rotator cache cold (deleted before
//! each round, so the rotator is compiled) and warm (the artifact is
//! authenticated and deserialized).
//!
//! ```sh
//! cargo run -p tumbler-tests --bin bench-cache -- 10
//! ```
//!
//! The argument is the number of rounds per side (default 10). Each round
//! builds a new wasmtime engine and linker and loads the built-in `postgres`
//! rotator through the registry. Needs no database server.

use std::time::{Duration, Instant};

use tumbler::app::App;
use tumbler::wasm::cache::CACHE_DIR;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args().nth(1).map(|text| text.parse()).transpose()?.unwrap_or(10);
    let data_dir = tempfile::tempdir()?;
    let app = App::open(data_dir.path()).await?;
    let cache_dir = data_dir.path().join(CACHE_DIR);

    let mut cold = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        if cache_dir.exists() {
            std::fs::remove_dir_all(&cache_dir)?;
        }
        cold.push(start_host(&app).await?);
    }
    let mut warm = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        warm.push(start_host(&app).await?);
    }

    println!("rounds per side: {rounds}");
    println!("| cache | median | p90 | mean |");
    println!("| --- | ---: | ---: | ---: |");
    print_row("cold (compile)", &mut cold);
    print_row("warm (deserialize)", &mut warm);
    println!("ratio of medians (cold / warm): {:.1}", median(&cold).as_secs_f64() / median(&warm).as_secs_f64());
    Ok(())
}

/// Builds the engine, the cache and the registry, and loads the rotator.
async fn start_host(app: &App) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let registry = app.rotator_registry()?;
    registry.get("postgres").await?;
    Ok(started.elapsed())
}

fn print_row(label: &str, times: &mut [Duration]) {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
    let p90 = times[((times.len() * 9).div_ceil(10)).saturating_sub(1)];
    println!(
        "| {label} | {:.1} ms | {:.1} ms | {:.1} ms |",
        millis(median(times)),
        millis(p90),
        millis(mean)
    );
}

fn median(sorted: &[Duration]) -> Duration {
    let mut times = sorted.to_vec();
    times.sort();
    times[times.len() / 2]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
