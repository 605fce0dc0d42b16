//! `admin-system-health` (`{}`): the health check of `job-health`, on demand.

use chrono::Utc;
use coaching::app::health::{check_and_report, HealthReport};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::common::admin::{payload, AdminError, NoFields};
use crate::Health;

/// `admin-system-health`.
pub async fn handle(h: &Health, event: LambdaEvent<Value>) -> Result<HealthReport, AdminError> {
    let _: NoFields = payload(event.payload)?;
    let function = "admin-system-health";
    Ok(check_and_report(&h.stores.messages, &h.dead_letters, Utc::now(), function).await?)
}
