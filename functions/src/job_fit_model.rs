//! `job-fit-model` (daily 00:15 UTC; `{"as_of": time}` replays a past day's fit): fits the
//! learners' model from the last `FIT_DAYS` send days of counters and stores it as that day's
//! version with the streak-risk model fitted from every summary (one scan of the profiles),
//! and stops the experiments its sequential test has decided (`coaching::app::learning`).

use chrono::{DateTime, Utc};
use coaching::app::learning::{fit, Fitted};
use lambda_runtime::{Error, LambdaEvent};
use serde::Deserialize;
use serde_json::Value;

use crate::common::admin::{payload, replay_clock};
use crate::common::failure;
use crate::Stores;

/// The `job-fit-model` payload: the schedule's `{"job": "fit-model"}`, or a replay's clock.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct FitInput {
    #[serde(default)]
    pub job: Option<String>,
    /// Fit as of this time (not in the future); the wall clock when absent.
    pub as_of: Option<DateTime<Utc>>,
}

/// `job-fit-model`.
pub async fn handle(stores: &Stores, event: LambdaEvent<Value>) -> Result<Fitted, Error> {
    let input: FitInput = payload(event.payload)?;
    let at = replay_clock(input.as_of, Utc::now())?.unwrap_or_else(Utc::now);
    fit(stores, at).await.map_err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replay_clock_must_be_a_time() {
        assert!(payload::<FitInput>(serde_json::json!({"as_of": "yesterday"})).is_err());
        assert!(payload::<FitInput>(serde_json::json!({"job": "fit-model"})).is_ok());
    }
}
