//! EventBridge adapter: PutEvents in batches, entries EventBridge could not take retried with
//! backoff and jitter.

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;

use crate::domain::events::{DomainEvent, COACH_SOURCE};
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::aws::dynamo::batch::BATCHES_IN_FLIGHT;
use crate::aws::retry::until_all_taken;
use crate::aws::Cause;

/// Most entries in one PutEvents call.
pub const PUT_EVENTS_MAX: usize = 10;
/// Attempts at a batch's failed entries before giving up.
const PUT_ATTEMPTS: u32 = 5;

/// A publishing failure.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// PutEvents failed.
    #[error("EventBridge put_events failed")]
    PutEvents(#[source] Cause),
    /// An event's detail could not be encoded.
    #[error("an event could not be encoded")]
    Encode(#[from] serde_json::Error),
    /// EventBridge still refused some entries after every attempt.
    #[error("EventBridge refused {left} events after {attempts} attempts")]
    Unprocessed { left: usize, attempts: u32 },
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
                    .detail(e.detail()?)
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

    async fn publish_batch(&self, entries: Vec<PutEventsRequestEntry>) -> Result<(), BusError> {
        until_all_taken(
            entries,
            PUT_ATTEMPTS,
            |pending| {
                let client = &self.client;
                async move {
                    let out = client
                        .put_events()
                        .set_entries(Some(pending.clone()))
                        .send()
                        .await
                        .map_err(|e| BusError::PutEvents(Box::new(e)))?;
                    if out.failed_entry_count == 0 {
                        return Ok(((), None));
                    }
                    // Results are positional: an entry with an error code was not taken.
                    let left: Vec<_> = pending
                        .into_iter()
                        .zip(out.entries.unwrap_or_default())
                        .filter(|(_, r)| r.error_code.is_some())
                        .map(|(e, _)| e)
                        .collect();
                    Ok(((), (!left.is_empty()).then_some(left)))
                }
            },
            |attempts, left| BusError::Unprocessed {
                left: left.len(),
                attempts,
            },
        )
        .await?;
        Ok(())
    }
}
