//! `events-activity-logged` (bus rule: source `tug.app`, detail-type `ActivityLogged`): keeps
//! the user's behaviour summary current and celebrates a milestone right away. An event that
//! is not a valid `ActivityLogged` fails with a structured error, so after the rule's retries
//! it lands in the dead-letter queue instead of vanishing.
//!
//! An event is decided as of its bus `time` (see `app::activity::event_clock`): a retry decides
//! what the first attempt would have, and a replay of past events decides as it did then.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use chrono::Utc;
use coaching::app::activity::{event_clock, ActivityConsumer, ActivityError};
use coaching::app::delivery::Outcome;
use coaching::app::generation::Generator;
use coaching::domain::events::ActivityEvent;
use lambda_runtime::{Error, LambdaEvent};
use serde::Serialize;
use serde_json::Value;

use crate::common::failure;
use crate::Delivery;

#[derive(Serialize)]
struct Celebration {
    message_id: String,
    /// `sent`, `failed`, `deferred`, `retrying`, `dropped`, `skipped`, or `scheduled` (not yet due).
    delivery: &'static str,
}

/// What the consumer did with one event.
#[derive(Serialize)]
pub struct Answer {
    /// `counted`, `duplicate`, `too_old`, or `erased` (the user was erased after the activity).
    applied: &'static str,
    /// Pushes this activity rewarded (delivered within two hours before it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rewarded: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    celebration: Option<Celebration>,
}

fn outcome_name(o: &Option<Outcome>) -> &'static str {
    o.as_ref().map_or("scheduled", <&'static str>::from)
}

/// Records one `ActivityLogged` event.
pub async fn handle(clients: &Delivery, event: LambdaEvent<Value>) -> Result<Answer, Error> {
    let bus: EventBridgeEvent<ActivityEvent> =
        serde_json::from_value(event.payload).map_err(|e| {
            ActivityError::Invalid(vec![coaching::domain::preferences::FieldError::new(
                "detail",
                e.to_string(),
            )])
        })?;
    let generator = &Generator::from_store(&clients.stores.templates, &clients.stores.messages)
        .await
        .map_err(failure)?;
    let clock = event_clock(bus.time, bus.detail.occurred_at, Utc::now());
    let deliverer = clients.deliverer(Some(clock));
    let consumer = ActivityConsumer {
        profiles: &clients.stores.profiles,
        messages: &clients.stores.messages,
        generator,
        deliverer: &deliverer,
    };
    let recorded = consumer.record(&bus.detail, clock).await.map_err(failure)?;
    Ok(Answer {
        applied: recorded.applied.into(),
        rewarded: recorded.rewarded,
        celebration: recorded.celebration.map(|(m, o)| Celebration {
            message_id: m.id,
            delivery: outcome_name(&o),
        }),
    })
}
