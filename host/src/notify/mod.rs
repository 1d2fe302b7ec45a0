//! Rotation events: `RotationStarted`, `RotationSucceeded`, `RotationFailed`
//! and `RotationAbandoned` (the CloudTrail event names of Secrets Manager),
//! written to the log and POSTed to the webhooks in tumbler.toml.
//!
//! - [`event`]: the event and its JSON body; it never contains a secret value.
//! - [`signature`]: the HMAC-SHA256 signature header.
//! - [`webhook`]: webhook configuration and delivery with bounded retries.

pub mod event;
pub mod signature;
pub mod webhook;

use std::sync::Arc;

use tokio_util::task::TaskTracker;

pub use event::{Event, EventName, Trigger};
pub use webhook::{DeliveryPolicy, WebhookConfig};

/// Logs events and delivers them to webhooks in background tasks.
#[derive(Clone, Debug, Default)]
pub struct Notifier {
    webhooks: Arc<Vec<WebhookConfig>>,
    policy: DeliveryPolicy,
    deliveries: TaskTracker,
}

impl Notifier {
    pub fn new(webhooks: Vec<WebhookConfig>, policy: DeliveryPolicy) -> Self {
        Self {
            webhooks: Arc::new(webhooks),
            policy,
            deliveries: TaskTracker::new(),
        }
    }

    /// Logs `event` and starts one delivery per webhook without waiting.
    pub fn emit(&self, event: &Event) {
        event.log();
        if self.webhooks.is_empty() {
            return;
        }
        let body = match serde_json::to_vec(event) {
            Ok(body) => Arc::new(body),
            Err(error) => {
                tracing::error!(%error, event = event.event_name.as_str(), "could not encode an event");
                return;
            }
        };
        for webhook in self.webhooks.iter() {
            let webhook = webhook.clone();
            let body = Arc::clone(&body);
            let policy = self.policy.clone();
            let name = event.event_name;
            self.deliveries.spawn(async move {
                webhook::deliver(&webhook, name, &body, &policy).await;
            });
        }
    }

    /// Waits until every delivery started so far has finished or given up.
    pub async fn flush(&self) {
        self.deliveries.close();
        self.deliveries.wait().await;
        self.deliveries.reopen();
    }
}
