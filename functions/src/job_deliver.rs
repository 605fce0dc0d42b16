//! `job-deliver` (EventBridge Scheduler, every 5 minutes) and `admin-deliver-scheduled`:
//! delivers every due message until none is left or the time limit nears, and reports the
//! run as CloudWatch metrics. The schedule's payload is not read.

use coaching::delivery::DeliveryRun;
use coaching::metrics;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::admin::{payload, AdminError, NoFields};
use crate::Delivery;

/// Delivers what is due; `function` names the metrics' dimension.
pub async fn deliver_due(
    clients: &Delivery,
    function: &str,
    deadline: std::time::Instant,
) -> Result<DeliveryRun, Error> {
    let deliverer = clients.deliverer();
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
    deliver_due(clients, "job-deliver", crate::deadline(&event.context)).await
}

/// `admin-deliver-scheduled` (`{}`): delivers what is due now, as the schedule would.
pub async fn admin(
    clients: &Delivery,
    event: LambdaEvent<Value>,
) -> Result<DeliveryRun, AdminError> {
    let _: NoFields = payload(event.payload)?;
    deliver_due(
        clients,
        "admin-deliver-scheduled",
        crate::deadline(&event.context),
    )
    .await
    .map_err(AdminError::internal("delivering"))
}
