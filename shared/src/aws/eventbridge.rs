//! EventBridge adapter: PutEvents in batches, entries EventBridge could not take retried with
//! backoff and jitter.

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

use crate::domain::events::{DomainEvent, COACH_SOURCE};
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::dynamo::batch::BATCHES_IN_FLIGHT;
use crate::aws::retry::backoff;

/// Most entries in one PutEvents call.
pub const PUT_EVENTS_MAX: usize = 10;
/// Attempts at a batch's failed entries before giving up.
const PUT_ATTEMPTS: u32 = 5;

/// A publishing failure.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("eventbridge: {0}")]
    EventBridge(String),
    #[error("event could not be encoded: {0}")]
    Encode(String),
}

/// Publishes domain events to the coach bus.
#[derive(Clone, Debug)]
pub struct Bus {
    client: Client,
    name: String,
}

impl Bus {
    /// A publisher to the bus called `name`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Bus {
            client,
            name: name.into(),
        }
    }

    /// Publishes every event, [`PUT_EVENTS_MAX`] per call and [`BATCHES_IN_FLIGHT`] calls at
    /// once; entries EventBridge reports as failed are sent again with backoff. Delivery to rule targets is at-least-once, so consumers
    /// are idempotent (message ids, activity ids, run and segment ids).
    pub async fn publish(&self, events: &[DomainEvent]) -> Result<(), BusError> {
        let entries = events
            .iter()
            .map(|e| {
                Ok(PutEventsRequestEntry::builder()
                    .event_bus_name(&self.name)
                    .source(COACH_SOURCE)
                    .detail_type(e.detail_type())
                    .detail(e.detail().map_err(|e| BusError::Encode(e.to_string()))?)
                    .build())
            })
            .collect::<Result<Vec<_>, BusError>>()?;
        let batches: Vec<Vec<PutEventsRequestEntry>> =
            entries.chunks(PUT_EVENTS_MAX).map(<[_]>::to_vec).collect();
        stream::iter(batches)
            .map(|batch| self.publish_batch(batch))
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn publish_batch(&self, mut pending: Vec<PutEventsRequestEntry>) -> Result<(), BusError> {
        let mut attempt = 0;
        while !pending.is_empty() {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            attempt += 1;
            let out = self
                .client
                .put_events()
                .set_entries(Some(pending.clone()))
                .send()
                .await
                .map_err(|e| BusError::EventBridge(format!("{e:?}")))?;
            if out.failed_entry_count == 0 {
                break;
            }
            // Results are positional: an entry with an error code was not taken.
            pending = pending
                .into_iter()
                .zip(out.entries.unwrap_or_default())
                .filter(|(_, r)| r.error_code.is_some())
                .map(|(e, _)| e)
                .collect();
            if !pending.is_empty() && attempt >= PUT_ATTEMPTS {
                return Err(BusError::EventBridge(format!(
                    "{} events still failed after {attempt} attempts",
                    pending.len()
                )));
            }
        }
        Ok(())
    }
}
