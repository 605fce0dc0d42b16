//! `job-cleanup` (weekly): deletes messages past the default retention policy that TTL has
//! not removed (`coaching::engine::retention`, applied by `coaching::aws::dynamo::cleanup`).

use chrono::Utc;
use coaching::aws::dynamo::cleanup::clean;
use coaching::engine::retention::{Cleaned, Policy};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::common::cold_start::Cleanup;
use crate::common::failure;

/// The weekly run, with the default policy (90 days; 365 once acted on).
pub async fn handle(c: &Cleanup, _event: LambdaEvent<Value>) -> Result<Cleaned, Error> {
    let done = clean(
        &c.client,
        &c.messages_table,
        &c.profiles_table,
        Policy::new(None, Utc::now()),
    )
    .await
    .map_err(failure)?;
    tracing::info!(scanned = done.scanned, deleted = done.deleted, "cleanup");
    Ok(done)
}
