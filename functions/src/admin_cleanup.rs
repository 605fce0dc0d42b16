//! `admin-cleanup` (`{"days": N}`, 1–3650, default 90): deletes messages past that retention
//! (acted-on ones are kept at least 365 days), as the weekly job does.

use chrono::Utc;
use coaching::aws::dynamo::cleanup::clean;
use coaching::domain::preferences::FieldError;
use coaching::engine::retention::{Cleaned, Policy, MAX_DAYS, MIN_DAYS};
use lambda_runtime::LambdaEvent;
use serde::Deserialize;
use serde_json::Value;

use crate::common::admin::{payload, AdminError};
use crate::common::cold_start::Cleanup;

/// The `admin-cleanup` payload.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct CleanupInput {
    /// Keep messages this many days (acted-on ones at least 365).
    pub days: Option<i64>,
}

/// `admin-cleanup`.
pub async fn handle(c: &Cleanup, event: LambdaEvent<Value>) -> Result<Cleaned, AdminError> {
    let input: CleanupInput = payload(event.payload)?;
    if let Some(d) = input.days {
        if !(MIN_DAYS..=MAX_DAYS).contains(&d) {
            return Err(AdminError::invalid(&[FieldError::new(
                "days",
                format!("must be a whole number from {MIN_DAYS} to {MAX_DAYS}"),
            )]));
        }
    }
    let policy = Policy::new(input.days, Utc::now());
    Ok(clean(&c.client, &c.messages_table, &c.profiles_table, policy).await?)
}
