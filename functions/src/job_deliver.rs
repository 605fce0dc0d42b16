//! `job-deliver` (EventBridge Scheduler, every 5 minutes): delivers every due message until
//! none is left or the time limit nears, and reports the run as CloudWatch metrics
//! (`coaching::app::delivery`). The schedule's payload is not read.

use coaching::app::delivery::DeliveryRun;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::common::failure;
use crate::Delivery;

/// The scheduled run.
pub async fn handle(clients: &Delivery, event: LambdaEvent<Value>) -> Result<DeliveryRun, Error> {
    let deadline = crate::deadline(&event.context);
    clients
        .deliverer(None)
        .run_reported("job-deliver", deadline)
        .await
        .map_err(failure)
}
