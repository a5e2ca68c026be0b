//! Alarm delivery beyond the dashboard (경보 전달): the [`Notifier`] trait, where SMS gateways and
//! other channels plug in, and its webhook implementation.
//!
//! The hub hands notices to one delivery task through a queue ([`spawn_delivery`]), so a slow or dead
//! receiver never holds up the tick or a push, and notices leave in the order they were raised.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::alarm::AlarmNotice;

/// Why a delivery failed, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub message: String,
    pub retryable: bool,
}

pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;

/// Delivers one alarm notice somewhere (a webhook, an SMS gateway …). One attempt per call: retries
/// are the caller's ([`deliver`]).
pub trait Notifier: Send + Sync {
    fn notify<'a>(&'a self, notice: &'a AlarmNotice) -> DeliveryFuture<'a>;
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled after each failure up to `max_backoff`.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts, 1 s doubling to at most 30 s: about a minute of trying (our choice), well inside the
    /// 5-minute step delay, so a receiver that restarts still gets the alarm before the next step.
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// Delivers with retries and exponential backoff. Returns the number of attempts made and the last
/// error if every attempt failed.
pub async fn deliver(
    notifier: &dyn Notifier,
    notice: &AlarmNotice,
    policy: RetryPolicy,
) -> (u32, Result<(), DeliveryError>) {
    let mut backoff = policy.first_backoff;
    let attempts = policy.attempts.max(1);
    let mut last = Ok(());
    for attempt in 1..=attempts {
        last = notifier.notify(notice).await;
        match &last {
            Ok(()) => return (attempt, Ok(())),
            Err(e) if !e.retryable => return (attempt, last),
            Err(_) if attempt < attempts => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(policy.max_backoff);
            }
            Err(_) => {}
        }
    }
    (attempts, last)
}

/// A JSON `POST` of each [`AlarmNotice`] to a URL (`--alarm-webhook`). 2xx is success; 408, 429 and
/// 5xx and network errors are retried; other 4xx are not (the receiver refuses the notice itself).
pub struct WebhookNotifier {
    url: String,
    client: reqwest::Client,
}

impl WebhookNotifier {
    pub fn new(url: impl Into<String>) -> Result<Self, String> {
        let url = url.into();
        let parsed = reqwest::Url::parse(&url).map_err(|e| format!("alarm webhook URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err("alarm webhook URL: http or https only".to_owned());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("alarm webhook client: {e}"))?;
        Ok(WebhookNotifier { url, client })
    }
}

impl Notifier for WebhookNotifier {
    fn notify<'a>(&'a self, notice: &'a AlarmNotice) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let resp = self
                .client
                .post(&self.url)
                .json(notice)
                .send()
                .await
                .map_err(|e| DeliveryError {
                    // The URL only: the error's text could quote the body.
                    message: format!("webhook unreachable ({})", e.without_url()),
                    retryable: true,
                })?;
            let status = resp.status();
            if status.is_success() {
                return Ok(());
            }
            Err(DeliveryError {
                message: format!("webhook answered {status}"),
                retryable: status.is_server_error()
                    || status == reqwest::StatusCode::REQUEST_TIMEOUT
                    || status == reqwest::StatusCode::TOO_MANY_REQUESTS,
            })
        })
    }
}

/// Starts the delivery task: notices sent on the returned queue are delivered one by one, in order.
/// A notice that fails every attempt is logged (ids and kind only) and the next one goes on.
pub fn spawn_delivery(
    notifier: Arc<dyn Notifier>,
    policy: RetryPolicy,
) -> mpsc::UnboundedSender<AlarmNotice> {
    let (tx, mut rx) = mpsc::unbounded_channel::<AlarmNotice>();
    tokio::spawn(async move {
        while let Some(notice) = rx.recv().await {
            let (attempts, result) = deliver(notifier.as_ref(), &notice, policy).await;
            match result {
                Ok(()) => tracing::info!(
                    alarm_id = %notice.alarm_id,
                    event = notice.event,
                    attempts,
                    "alarm notice delivered"
                ),
                Err(e) => tracing::error!(
                    alarm_id = %notice.alarm_id,
                    event = notice.event,
                    attempts,
                    error = %e.message,
                    "alarm notice not delivered"
                ),
            }
        }
    });
    tx
}
