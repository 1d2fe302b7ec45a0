//! `tumbler serve`: the AWS-compatible API server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::api::{AllowAll, ApiServer, Authenticator, ServerOptions};
use crate::app::App;
use crate::auth::{ADMIN_CREDENTIALS_FILE, SigV4Authenticator, bootstrap_admin_key};
use crate::notify::{DeliveryPolicy, Notifier};
use crate::rotation::scheduler::{EngineRunner, Scheduler, SchedulerSettings, SystemClock};

/// Default listen address. Port 7766 is not registered for a common
/// service, and loopback keeps the server private until access keys are set
/// up.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7766";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Seconds to wait on shutdown for in-flight requests, and again for
    /// running rotations.
    #[arg(long, default_value_t = 30)]
    pub shutdown_grace_secs: u64,

    /// Accept every request without checking its signature, as the account
    /// root. Allowed only with a loopback --listen address.
    #[arg(long)]
    pub allow_unauthenticated: bool,

    /// Also accept the well-known access key `test` with secret `test` as an
    /// administrator, as local AWS emulators do. Allowed only with a loopback
    /// --listen address.
    #[arg(long)]
    pub dev: bool,

    /// Do not run scheduled rotations in this process, for example on all
    /// but one replica.
    #[arg(long)]
    pub no_scheduler: bool,
}

pub async fn run_serve(app: App, args: ServeArgs) -> anyhow::Result<()> {
    let authenticator = build_authenticator(&app, &args).await?;
    let engine = Arc::new(app.rotation_engine()?);
    let notifier = Notifier::new(app.config.webhooks.clone(), DeliveryPolicy::default());
    let options = ServerOptions {
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        notifier: notifier.clone(),
        ..ServerOptions::default()
    };
    let server = ApiServer::new(app.secrets.clone(), Arc::clone(&engine), authenticator, options);
    let stopping = CancellationToken::new();
    let scheduler = if args.no_scheduler {
        None
    } else {
        let scheduler = Arc::new(Scheduler::new(
            app.secrets.clone(),
            Arc::new(EngineRunner::new(engine)),
            Arc::new(SystemClock),
            notifier.clone(),
            scheduler_settings(&app),
        ));
        Some(tokio::spawn(scheduler.run(stopping.clone())))
    };

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    println!("Serving the Secrets Manager API on http://{address} (stop with Ctrl-C)");
    tracing::info!(%address, "server started");
    let signal = {
        let stopping = stopping.clone();
        async move {
            shutdown_signal().await;
            stopping.cancel();
        }
    };
    server.serve(listener, signal).await?;
    stopping.cancel();
    let grace = Duration::from_secs(args.shutdown_grace_secs);
    if let Some(scheduler) = scheduler
        && tokio::time::timeout(grace, scheduler).await.is_err()
    {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "scheduled rotations still running after the grace period; their leases expire and \
             the next start resumes them"
        );
    }
    if tokio::time::timeout(grace, notifier.flush()).await.is_err() {
        tracing::warn!("webhook deliveries still running after the grace period were dropped");
    }
    println!("Server stopped");
    Ok(())
}

/// Scheduler settings. Unless `rotation_lease_secs` is set, the lease is
/// longer than the longest rotation: four steps, each with every attempt at
/// its timeout and the maximum backoff in between, doubled for safety.
fn scheduler_settings(app: &App) -> SchedulerSettings {
    let mut settings = app.config.scheduler.clone();
    let policy = &app.config.rotation;
    let per_step = (policy.limits.step_timeout + policy.retry.max_backoff)
        .saturating_mul(policy.retry.max_attempts);
    let longest_rotation = per_step.saturating_mul(4);
    match app.config.rotation_lease {
        Some(lease) => {
            if lease < longest_rotation {
                tracing::warn!(
                    lease_secs = lease.as_secs(),
                    longest_rotation_secs = longest_rotation.as_secs(),
                    "rotation_lease_secs is shorter than the longest possible rotation; another \
                     replica may resume a slow rotation while it still runs, repeating its steps"
                );
            }
            settings.lease = lease;
        }
        None => settings.lease = settings.lease.max(longest_rotation.saturating_mul(2)),
    }
    settings
}

/// Returns the SigV4 authenticator and creates the administrator key on first
/// start; with `--allow-unauthenticated`, an authenticator that accepts every
/// request as the account root.
async fn build_authenticator(
    app: &App,
    args: &ServeArgs,
) -> anyhow::Result<Arc<dyn Authenticator>> {
    let insecure_flag = if args.allow_unauthenticated {
        Some("--allow-unauthenticated")
    } else if args.dev {
        Some("--dev")
    } else {
        None
    };
    if let Some(flag) = insecure_flag {
        if !args.listen.ip().is_loopback() {
            anyhow::bail!(
                "{flag} is allowed only on a loopback address, not on {}; listen on 127.0.0.1 or \
                 drop the flag and use access keys",
                args.listen
            );
        }
    }
    if args.allow_unauthenticated {
        tracing::warn!(
            listen = %args.listen,
            "authentication is off: every request is accepted with full access"
        );
        eprintln!(
            "WARNING: --allow-unauthenticated is set: every request is accepted with full \
             access, without checking its signature"
        );
        return Ok(Arc::new(AllowAll::new(&app.config.account)));
    }
    if args.dev {
        eprintln!(
            "WARNING: --dev is set: the well-known test credentials (access key id `test`) are \
             accepted as an administrator. Never use --dev on a listener that others can reach"
        );
    }
    if let Some(created) = bootstrap_admin_key(&app.access_keys, &app.config.data_dir).await? {
        println!(
            "Created the administrator access key {}; its secret access key is in {} \
             (use it with AWS_SHARED_CREDENTIALS_FILE)",
            created.record.id,
            app.config.data_dir.join(ADMIN_CREDENTIALS_FILE).display()
        );
    }
    Ok(Arc::new(SigV4Authenticator::new(
        app.access_keys.clone(),
        &app.config.account,
        args.dev,
    )))
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
