//! `job-deliver` (EventBridge Scheduler, every 5 minutes) and `admin-deliver-scheduled`:
//! delivers every due message until none is left or the time limit nears, and reports the
//! run as CloudWatch metrics. The schedule's payload is not read; the admin payload may give
//! `as_of`, the (past) instant to deliver as of — a replay's clock.

use chrono::{DateTime, Utc};
use coaching::app::delivery::DeliveryRun;
use coaching::views::metrics;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::admin::{payload, replay_clock, AdminError};
use crate::Delivery;

/// Delivers what is due; `function` names the metrics' dimension.
pub async fn deliver_due(
    clients: &Delivery,
    function: &str,
    deadline: std::time::Instant,
    clock: Option<DateTime<Utc>>,
) -> Result<DeliveryRun, Error> {
    let deliverer = clients.deliverer(clock);
    let run = deliverer.run(deadline).await?;
    let attempted = run.sent + run.failed;
    let mut figures = vec![
        ("Delivered", run.sent as f64, "Count"),
        ("DeliveryFailed", run.failed as f64, "Count"),
        ("Deferred", run.deferred as f64, "Count"),
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
    metrics::emit(function, &figures);
    tracing::info!(?run, "delivery run");
    Ok(run)
}

/// The scheduled run.
pub async fn handle(clients: &Delivery, event: LambdaEvent<Value>) -> Result<DeliveryRun, Error> {
    deliver_due(
        clients,
        "job-deliver",
        crate::deadline(&event.context),
        None,
    )
    .await
}

/// The `admin-deliver-scheduled` payload.
#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct DeliverInput {
    /// Deliver what is due as of this instant (not in the future); absent: now.
    pub as_of: Option<DateTime<Utc>>,
}

/// `admin-deliver-scheduled` (`{}` or `{"as_of": "…"}`): delivers what is due now (or as of
/// `as_of`), as the schedule would.
pub async fn admin(
    clients: &Delivery,
    event: LambdaEvent<Value>,
) -> Result<DeliveryRun, AdminError> {
    let input: DeliverInput = payload(event.payload)?;
    let clock = replay_clock(input.as_of, Utc::now())?;
    deliver_due(
        clients,
        "admin-deliver-scheduled",
        crate::deadline(&event.context),
        clock,
    )
    .await
    .map_err(AdminError::internal("delivering"))
}
