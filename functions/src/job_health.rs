//! `job-health` (hourly): due and overdue queue depth, stuck messages, today's delivery
//! success and dead letters, as JSON and as CloudWatch metrics (the alarms in template.yaml
//! watch them; `coaching::app::health`).

use chrono::Utc;
use coaching::app::health::{check_and_report, HealthReport};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::common::failure;
use crate::Health;

/// The hourly check.
pub async fn handle(h: &Health, _event: LambdaEvent<Value>) -> Result<HealthReport, Error> {
    check_and_report(
        &h.stores.messages,
        &h.dead_letters,
        Utc::now(),
        "job-health",
    )
    .await
    .map_err(failure)
}
