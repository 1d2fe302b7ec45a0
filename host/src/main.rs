//! The `tumbler` binary.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use tumbler::cli::{Cli, Command, run};

/// mimalloc serves about 14% more API requests per second than glibc's
/// allocator in `tests/bench/api.sh`, for a higher peak RSS.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// libpq environment variables that sqlx reads when it builds PostgreSQL
/// connection options. Rotator connections must come only from the fields a
/// rotator passes, so they are removed before any thread starts.
const LIBPQ_VARIABLES: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGDATABASE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGAPPNAME",
    "PGOPTIONS",
];

fn main() -> ExitCode {
    for variable in LIBPQ_VARIABLES {
        if std::env::var_os(variable).is_some() {
            // SAFETY: no other thread exists yet; the tokio runtime and the
            // epoch ticker start below.
            unsafe { std::env::remove_var(variable) };
        }
    }

    let cli = Cli::parse();

    // Commands print their own errors, so their logs are off unless RUST_LOG
    // enables them (RUST_LOG=info shows rotation progress, debug more). The
    // server logs at info level, because its log is the only record of
    // background rotations.
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "off",
    };
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let requested = std::env::var("RUST_LOG").unwrap_or_default();
    if !requested.contains("cranelift") && !requested.contains("regalloc") {
        // The compiler's own trace output is hundreds of megabytes for one
        // rotator; it is shown only when RUST_LOG names it.
        for directive in ["cranelift_codegen=warn", "wasmtime_cranelift=warn", "regalloc2=warn"] {
            if let Ok(directive) = directive.parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    // Log lines go to stderr from a writer thread, so a request does not
    // wait on the write system call. With `lossy(false)` the channel blocks
    // instead of dropping lines when it is full, because the server's log is
    // its access record. Lines still queued are written when `_log_guard`
    // drops at the end of `main`.
    let ansi = std::io::stderr().is_terminal();
    let (writer, _log_guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("tumbler-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}
