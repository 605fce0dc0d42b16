//! The deliverer: reads due messages from the sparse due index, decides each one against the
//! user's current preferences, claims it, publishes it to every enabled device and records
//! the outcome.
//!
//! At most once: a message is published only by the deliverer whose conditional claim
//! (scheduled → sending) succeeded, so concurrent deliverers never send it twice. A crash
//! after the claim leaves it `sending` in the lease shard; it is never resent blindly, and
//! the health job reports it as stuck once its lease ends.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use serde::Serialize;

use crate::aws::dynamo::messages::DUE_SHARDS;
use crate::aws::dynamo::{DueKey, MessageStore, ProfileStore, StoreError};
use crate::aws::eventbridge::Bus;
use crate::aws::retry::backoff;
use crate::aws::sns::payload::sns_message;
use crate::aws::sns::{PublishError, Push};
use crate::domain::events::{DomainEvent, MessageDelivered};
use crate::domain::messages::Delivery;
use crate::domain::messages::MessageStatus;
use crate::engine::delivery::{decide, push_retry_at, Decision};

/// How long a claim lasts; a message still `sending` after it is stuck.
pub const LEASE_SECS: i64 = 300;
/// Publish attempts per device for temporary failures (throttling, 5xx).
pub const PUBLISH_ATTEMPTS: u32 = 3;
/// Due keys read per shard per round.
const ROUND_PER_SHARD: i32 = 50;
/// Messages delivered at once.
const CONCURRENCY: usize = 8;
/// Time kept in reserve before the deadline (one message's worst case).
const DEADLINE_RESERVE: StdDuration = StdDuration::from_secs(5);

/// A delivery failure that is not a message's fate but the system's (storage).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What happened to one due message.
#[derive(Debug, Clone, PartialEq, strum::AsRefStr, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// Published to this many devices.
    Sent { devices: u32 },
    /// Claimed but no device took it.
    Failed { reason: &'static str },
    /// Quiet hours: moved to `until`.
    Deferred { until: DateTime<Utc> },
    /// The push service could not take it: back in the due index until `until`.
    Retrying { until: DateTime<Utc> },
    /// Never sent: expired or opted out.
    Dropped { reason: &'static str },
    /// Another deliverer had it (or it was not scheduled any more).
    Skipped,
}

/// Totals of one delivery run.
#[derive(Serialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRun {
    pub due: u64,
    pub sent: u64,
    pub failed: u64,
    pub deferred: u64,
    /// Put back for a later try: the push service was unavailable.
    pub retrying: u64,
    pub dropped: u64,
    pub skipped: u64,
    /// Pushes accepted by SNS (a message may go to several devices).
    pub pushes: u64,
    /// Devices found dead (disabled or deleted endpoint) and marked disabled.
    pub devices_disabled: u64,
    /// Whether due messages were left for the next run (time ran out).
    pub more: bool,
}

impl DeliveryRun {
    fn count(&mut self, o: &Outcome) {
        match o {
            Outcome::Sent { devices } => {
                self.sent += 1;
                self.pushes += u64::from(*devices);
            }
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Deferred { .. } => self.deferred += 1,
            Outcome::Retrying { .. } => self.retrying += 1,
            Outcome::Dropped { .. } => self.dropped += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

/// Delivers due messages.
pub struct Deliverer<'a> {
    pub profiles: &'a ProfileStore,
    pub messages: &'a MessageStore,
    pub push: &'a Push,
    /// Where `MessageDelivered` goes; `None` publishes nothing.
    pub bus: Option<&'a Bus>,
    /// The instant deliveries are decided and recorded at (an activity event's time, an
    /// admin replay's `as_of`); `None`: the wall clock.
    pub clock: Option<DateTime<Utc>>,
}

impl Deliverer<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// [`Deliverer::run`], with the run reported as metrics under `function` and logged.
    pub async fn run_reported(
        &self,
        function: &str,
        deadline: Instant,
    ) -> Result<DeliveryRun, DeliveryError> {
        let run = self.run(deadline).await?;
        let attempted = run.sent + run.failed;
        let mut figures = vec![
            ("Delivered", run.sent as f64, "Count"),
            ("DeliveryFailed", run.failed as f64, "Count"),
            ("Deferred", run.deferred as f64, "Count"),
            ("DeliveryRetrying", run.retrying as f64, "Count"),
            ("Expired", run.dropped as f64, "Count"),
            ("DevicesDisabled", run.devices_disabled as f64, "Count"),
        ];
        if attempted > 0 {
            figures.push((
                "DeliverySuccessRate",
                run.sent as f64 / attempted as f64,
                "None",
            ));
        }
        crate::views::metrics::emit(function, &figures);
        tracing::info!(
            due = run.due,
            sent = run.sent,
            failed = run.failed,
            deferred = run.deferred,
            retrying = run.retrying,
            dropped = run.dropped,
            skipped = run.skipped,
            devices_disabled = run.devices_disabled,
            more = run.more,
            "delivery run"
        );
        Ok(run)
    }

    /// Delivers every message due by the time each round starts, round after round, until
    /// none is left or the next round might not finish before `deadline`.
    pub async fn run(&self, deadline: Instant) -> Result<DeliveryRun, DeliveryError> {
        let mut totals = DeliveryRun::default();
        loop {
            let began = Instant::now();
            let now = self.now();
            let mut keys = Vec::new();
            for shard in 0..DUE_SHARDS {
                keys.extend(self.messages.due(shard, now, ROUND_PER_SHARD).await?);
            }
            if keys.is_empty() {
                return Ok(totals);
            }
            totals.due += keys.len() as u64;
            let outcomes: Vec<Result<(Outcome, u64), DeliveryError>> = stream::iter(keys)
                .map(|k| async move { self.deliver(&k).await })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let mut progressed = false;
            for o in outcomes {
                let (outcome, disabled) = o?;
                progressed |= outcome != Outcome::Skipped;
                totals.count(&outcome);
                totals.devices_disabled += disabled;
            }
            // Only stale index entries left (another deliverer holds them): stop.
            if !progressed {
                return Ok(totals);
            }
            if Instant::now() + began.elapsed() + DEADLINE_RESERVE >= deadline {
                totals.more = true;
                return Ok(totals);
            }
        }
    }

    /// Delivers one due message; also returns how many devices were found dead.
    pub async fn deliver(&self, key: &DueKey) -> Result<(Outcome, u64), DeliveryError> {
        let Some(m) = self.messages.get(&key.user, &key.id).await? else {
            return Ok((Outcome::Skipped, 0));
        };
        if m.status != MessageStatus::Scheduled {
            return Ok((Outcome::Skipped, 0));
        }
        let profile = self.profiles.profile(&key.user).await?;
        let now = self.now();
        let summary = profile.summary.as_ref().map(|s| &s.summary);
        match decide(&m, &profile.preferences.preferences, summary, now) {
            Decision::Drop { reason } => {
                let done = self.messages.drop_unsent(&key.user, &m, reason).await?;
                return Ok((
                    if done {
                        Outcome::Dropped { reason }
                    } else {
                        Outcome::Skipped
                    },
                    0,
                ));
            }
            Decision::Defer { until } => {
                let done = self.messages.reschedule(&key.user, &m, until).await?;
                return Ok((
                    if done {
                        Outcome::Deferred { until }
                    } else {
                        Outcome::Skipped
                    },
                    0,
                ));
            }
            Decision::Send => {}
        }
        // The lease runs on the wall clock, whatever clock the decision is made at (a retried
        // event's, a replay's): the health job's recovery reads it as time really passed.
        let Some(m) = self
            .messages
            .claim(&key.user, &key.id, Utc::now(), LEASE_SECS)
            .await?
        else {
            return Ok((Outcome::Skipped, 0));
        };

        let payload = sns_message(&m);
        let mut delivery = Delivery::default();
        let mut disabled = 0;
        let mut temporary = false;
        let devices: Vec<_> = profile.devices.iter().filter(|d| d.enabled).collect();
        for device in &devices {
            match publish_with_retries(self.push, &device.endpoint_arn, &payload).await {
                Ok(id) => {
                    // Recorded at once: a claim found stuck with a push recorded is not
                    // pushed again. If this write fails, the end's write below records it.
                    if let Err(e) = self.messages.note_push(&key.user, &m.id, &id).await {
                        tracing::warn!(message_id = %m.id, error = %crate::aws::Chain(&e), "push not noted");
                    }
                    delivery.devices += 1;
                    delivery.sns_message_ids.push(id);
                }
                Err(PublishError::Gone(e)) => {
                    tracing::info!(user = %key.user.log_hash(), device = %device.device_id, error = %e, "endpoint gone; device disabled");
                    if self
                        .profiles
                        .disable_device(
                            &key.user,
                            &device.device_id,
                            &device.endpoint_arn,
                            Utc::now(),
                        )
                        .await?
                    {
                        disabled += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!(user = %key.user.log_hash(), device = %device.device_id, error = %e, "push failed");
                    temporary = true;
                }
            }
        }
        let reason = if delivery.devices > 0 {
            None
        } else if temporary {
            Some("push_unavailable")
        } else {
            Some("no_enabled_device")
        };
        let at = self.now();
        // Only an outage of the push service: try again later while the message is current.
        if delivery.devices == 0 && temporary {
            let attempts = m.push_attempts + 1;
            if let Some(until) = push_retry_at(at, attempts, m.expires_at) {
                let released = self
                    .messages
                    .release_claim(&key.user, &m.id, until, attempts)
                    .await?;
                let outcome = if released {
                    Outcome::Retrying { until }
                } else {
                    Outcome::Skipped
                };
                return Ok((outcome, disabled));
            }
        }
        delivery.failure = reason.map(str::to_owned);
        self.messages
            .finish_delivery(&key.user, &m, &delivery, at)
            .await?;
        let outcome = match reason {
            None => {
                if let Some(bus) = self.bus {
                    // The push is out and recorded: a bus failure must not stop the run (or
                    // make a retry resend). The event is then missing; it is logged.
                    let published = bus
                        .publish(&[DomainEvent::MessageDelivered(MessageDelivered {
                            user_id: key.user.as_str().to_owned(),
                            message_id: m.id.clone(),
                            message_type: m.message_type,
                            template_id: m.template_id.clone(),
                            variant_id: m.variant_id.clone(),
                            delivered_at: at,
                            devices: delivery.devices,
                        })])
                        .await;
                    if let Err(e) = published {
                        tracing::error!(message_id = %m.id, error = %e, "MessageDelivered not published");
                    }
                }
                Outcome::Sent {
                    devices: delivery.devices,
                }
            }
            Some(reason) => Outcome::Failed { reason },
        };
        Ok((outcome, disabled))
    }
}

/// Publishes, retrying temporary failures with backoff up to [`PUBLISH_ATTEMPTS`] times.
async fn publish_with_retries(
    push: &Push,
    arn: &str,
    payload: &str,
) -> Result<String, PublishError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match push.publish(arn, payload).await {
            Err(PublishError::Temporary(_)) if attempt < PUBLISH_ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
            }
            other => return other,
        }
    }
}
