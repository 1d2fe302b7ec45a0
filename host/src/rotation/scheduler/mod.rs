//! The rotation scheduler that runs inside `tumbler serve`.
//!
//! Every pass claims secrets whose rotation window has started (from
//! persisted state only, so a restart changes no date and starts nothing
//! that was not due), runs at most `max_concurrent` rotations at a time, and
//! records the outcome. A failed rotation is retried with backoff while its
//! window lasts. When the next attempt would start after the window's end,
//! the rotation is abandoned until the next window.

mod attempt;
pub mod clock;
pub mod runner;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use clock::{Clock, ManualClock, SystemClock};
pub use runner::{EngineRunner, RotationRunner};

use crate::notify::Notifier;
use crate::secrets::{SecretsError, SecretsService};

/// Scheduler settings from the `[rotation]` table of tumbler.toml.
#[derive(Clone, Debug)]
pub struct SchedulerSettings {
    /// Rotations that run at the same time; the rest wait for a free slot.
    pub max_concurrent: usize,
    /// Time between passes over the due secrets.
    pub interval: Duration,
    /// How long a claim keeps other schedulers away from a secret. It must
    /// exceed the longest rotation, or a second scheduler may start the
    /// same rotation while the first still runs it.
    pub lease: Duration,
    /// Wait after the first failed attempt in a window; doubled after each
    /// later one, up to `max_retry_backoff`.
    pub initial_retry_backoff: Duration,
    pub max_retry_backoff: Duration,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        Self {
            max_concurrent: 4,
            interval: Duration::from_secs(60),
            lease: Duration::from_secs(30 * 60),
            initial_retry_backoff: Duration::from_secs(5 * 60),
            max_retry_backoff: Duration::from_secs(60 * 60),
        }
    }
}

impl SchedulerSettings {
    /// Wait after failed attempt number `attempt` (1-based) in a window.
    pub fn retry_backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_retry_backoff
            .saturating_mul(factor)
            .min(self.max_retry_backoff)
    }
}

/// Counts of one pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub succeeded: usize,
    pub failed: usize,
    pub abandoned: usize,
    /// Windows that ended before any attempt, for example while the server
    /// was stopped.
    pub missed: usize,
}

/// Finds due rotations and runs them.
pub struct Scheduler {
    secrets: SecretsService,
    runner: Arc<dyn RotationRunner>,
    clock: Arc<dyn Clock>,
    notifier: Notifier,
    settings: SchedulerSettings,
    /// Lease owner written on claimed rows: the process id, so an operator
    /// can tell which replica holds a lease, then a unique suffix.
    owner: String,
}

impl Scheduler {
    pub fn new(
        secrets: SecretsService,
        runner: Arc<dyn RotationRunner>,
        clock: Arc<dyn Clock>,
        notifier: Notifier,
        settings: SchedulerSettings,
    ) -> Self {
        Self {
            secrets,
            runner,
            clock,
            notifier,
            settings,
            owner: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4()),
        }
    }

    /// Runs passes every `interval` until `stopping` is cancelled. A pass in
    /// progress finishes its running rotations before the loop stops.
    pub async fn run(self: Arc<Self>, stopping: CancellationToken) {
        tracing::info!(
            max_concurrent = self.settings.max_concurrent,
            interval_secs = self.settings.interval.as_secs(),
            "rotation scheduler started"
        );
        loop {
            match self.run_pass().await {
                Ok(report) if report != PassReport::default() => {
                    tracing::info!(?report, "rotation scheduler pass finished");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "rotation scheduler pass failed"),
            }
            tokio::select! {
                () = stopping.cancelled() => break,
                () = tokio::time::sleep(self.settings.interval) => {}
            }
        }
        tracing::info!("rotation scheduler stopped");
    }

    /// Claims and runs every rotation due now, at most `max_concurrent` at a
    /// time, and returns when all of them have finished.
    pub async fn run_pass(self: &Arc<Self>) -> Result<PassReport, SecretsError> {
        let slots = Arc::new(Semaphore::new(self.settings.max_concurrent.max(1)));
        let mut running = JoinSet::new();
        let mut report = PassReport::default();
        loop {
            let free = slots.available_permits();
            if free == 0 {
                if let Some(outcome) = running.join_next().await {
                    report.add(outcome);
                }
                continue;
            }
            let now = self.clock.now();
            let lease_until = now + self.settings.lease;
            let claimed = self
                .secrets
                .claim_due_rotations(now, free as u32, &self.owner, lease_until)
                .await?;
            if claimed.is_empty() {
                break;
            }
            for due in claimed {
                let permit = Arc::clone(&slots)
                    .try_acquire_owned()
                    .expect("no more claims than free slots");
                let scheduler = Arc::clone(self);
                running.spawn(async move {
                    let outcome = scheduler.handle_due(due).await;
                    drop(permit);
                    outcome
                });
            }
        }
        while let Some(outcome) = running.join_next().await {
            report.add(outcome);
        }
        Ok(report)
    }

    /// Waits until every webhook delivery started so far has finished.
    pub async fn flush_notifications(&self) {
        self.notifier.flush().await;
    }
}

/// Outcome of one claimed rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Succeeded,
    Failed,
    Abandoned,
    Missed,
    /// Nothing ran: the rules are missing or the claim was stale.
    Skipped,
}

impl PassReport {
    fn add(&mut self, outcome: Result<Outcome, tokio::task::JoinError>) {
        match outcome {
            Ok(Outcome::Succeeded) => self.succeeded += 1,
            Ok(Outcome::Failed) => self.failed += 1,
            Ok(Outcome::Abandoned) => self.abandoned += 1,
            Ok(Outcome::Missed) => self.missed += 1,
            Ok(Outcome::Skipped) => {}
            Err(error) => tracing::error!(%error, "a scheduled rotation task panicked"),
        }
    }
}
