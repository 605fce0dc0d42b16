//! `job-cleanup` (weekly) and `admin-cleanup` (`{"days": N}`): deletes messages past the
//! retention policy that TTL has not removed (see `coaching::app::cleanup`).

use chrono::Utc;
use coaching::aws::dynamo::cleanup::clean;
use coaching::domain::preferences::FieldError;
use coaching::engine::retention::{Cleaned, Policy, MAX_DAYS, MIN_DAYS};
use lambda_runtime::{Error, LambdaEvent};
use serde::Deserialize;
use serde_json::Value;

use crate::admin::{payload, AdminError};

/// What cleanup reads and deletes.
pub struct Cleanup {
    pub client: aws_sdk_dynamodb::Client,
    pub messages_table: String,
}

/// The cleanup clients.
pub async fn clients() -> Result<Cleanup, Error> {
    let config = coaching::Config::from_env()?;
    Ok(Cleanup {
        client: aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await),
        messages_table: config.messages_table,
    })
}

/// The weekly run, with the default policy (90 days; 365 once acted on).
pub async fn handle(c: &Cleanup, _event: LambdaEvent<Value>) -> Result<Cleaned, Error> {
    let done = clean(&c.client, &c.messages_table, Policy::new(None, Utc::now())).await?;
    tracing::info!(?done, "cleanup");
    Ok(done)
}

/// The `admin-cleanup` payload.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct CleanupInput {
    /// Keep messages this many days (acted-on ones at least 365).
    pub days: Option<i64>,
}

/// `admin-cleanup`: `{"days": N}` (1–3650; default 90).
pub async fn admin(c: &Cleanup, event: LambdaEvent<Value>) -> Result<Cleaned, AdminError> {
    let input: CleanupInput = payload(event.payload)?;
    if let Some(d) = input.days {
        if !(MIN_DAYS..=MAX_DAYS).contains(&d) {
            return Err(AdminError::invalid(&[FieldError::new(
                "days",
                format!("must be a whole number from {MIN_DAYS} to {MAX_DAYS}"),
            )]));
        }
    }
    clean(
        &c.client,
        &c.messages_table,
        Policy::new(input.days, Utc::now()),
    )
    .await
    .map_err(AdminError::internal("cleaning up"))
}
