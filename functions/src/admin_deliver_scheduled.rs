//! `admin-deliver-scheduled` (`{}` or `{"as_of": "…"}`): delivers what is due now (or as of
//! `as_of`, a past instant: a replay's clock), as the schedule would.

use chrono::{DateTime, Utc};
use coaching::app::delivery::DeliveryRun;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::common::admin::{payload, replay_clock, AdminError};
use crate::Delivery;

/// The `admin-deliver-scheduled` payload.
#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct DeliverInput {
    /// Deliver what is due as of this instant (not in the future); absent: now.
    pub as_of: Option<DateTime<Utc>>,
}

/// `admin-deliver-scheduled`.
pub async fn handle(
    clients: &Delivery,
    event: LambdaEvent<Value>,
) -> Result<DeliveryRun, AdminError> {
    let input: DeliverInput = payload(event.payload)?;
    let clock = replay_clock(input.as_of, Utc::now())?;
    let deadline = crate::deadline(&event.context);
    Ok(clients
        .deliverer(clock)
        .run_reported("admin-deliver-scheduled", deadline)
        .await?)
}
