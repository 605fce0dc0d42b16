//! `job-generate` (EventBridge Scheduler, every 2 h 07–21 UTC): starts a generation run, one
//! work item per scan segment. The schedule's payload is not read.

use chrono::Utc;
use coaching::generation::{start_run, RunStarted, DEFAULT_SEGMENTS, MAX_SEGMENTS};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::Jobs;

/// Segments per run: `GENERATE_SEGMENTS` (1–1000), else the default.
pub fn segments_from_env() -> Result<u32, Error> {
    match std::env::var("GENERATE_SEGMENTS") {
        Err(_) => Ok(DEFAULT_SEGMENTS),
        Ok(v) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_SEGMENTS).contains(&n) => Ok(n),
            _ => Err(
                format!("GENERATE_SEGMENTS={v} is not a number from 1 to {MAX_SEGMENTS}").into(),
            ),
        },
    }
}

/// A new run id: the start minute, then random hex (runs never share an id).
pub fn new_run_id(now: chrono::DateTime<Utc>) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", now.format("%Y%m%dT%H%M"), &random[..12])
}

/// Starts a run of `segments` segments.
pub async fn handle(
    jobs: &Jobs,
    segments: u32,
    _event: LambdaEvent<Value>,
) -> Result<RunStarted, Error> {
    let now = Utc::now();
    let run = start_run(&jobs.jobs, &jobs.bus, &new_run_id(now), now, segments).await?;
    tracing::info!(run_id = %run.run_id, segments, "generation run started");
    Ok(run)
}
