//! `job-generate` (EventBridge Scheduler, every 2 h 07–21 UTC): starts a generation run, one
//! work item per scan segment (`coaching::app::generation::start_run`). The schedule's
//! payload is not read.

use chrono::Utc;
use coaching::app::generation::{new_run_id, start_run, RunStarted};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::common::failure;
use crate::Jobs;

/// Starts a run of `segments` segments.
pub async fn handle(
    jobs: &Jobs,
    segments: u32,
    _event: LambdaEvent<Value>,
) -> Result<RunStarted, Error> {
    let now = Utc::now();
    let run = start_run(
        &jobs.jobs,
        &jobs.bus,
        &new_run_id(now),
        now,
        segments,
        false,
    )
    .await
    .map_err(failure)?;
    tracing::info!(run_id = %run.run_id, segments, "generation run started");
    Ok(run)
}
