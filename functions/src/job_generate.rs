//! `job-generate` (EventBridge Scheduler, every 2 h 07–21 UTC): starts a generation run, one
//! work item per scan segment. The schedule's payload is not read.

use chrono::Utc;
use coaching::app::generation::{start_run, RunStarted, DEFAULT_SEGMENTS, MAX_SEGMENTS};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::admin::{payload, replay_clock, AdminError};
use crate::Jobs;
use coaching::domain::preferences::FieldError;

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
    let run = start_run(
        &jobs.jobs,
        &jobs.bus,
        &new_run_id(now),
        now,
        segments,
        false,
    )
    .await?;
    tracing::info!(run_id = %run.run_id, segments, "generation run started");
    Ok(run)
}

/// The `admin-generate-all` payload: start a run (optionally with its segment count), or
/// report on one.
#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct GenerateAll {
    pub segments: Option<u32>,
    pub run_id: Option<String>,
    /// Plan as of this instant (not in the future): a replay's clock, kept however late the
    /// workers run.
    pub as_of: Option<chrono::DateTime<Utc>>,
}

/// `admin-generate-all`: `{}` or `{"segments": N}` starts a run for every user now (or, with
/// `"as_of"`, a pinned run as of that past instant: a replay); `{"run_id": "…"}` reports that
/// run's progress.
pub async fn admin(
    jobs: &Jobs,
    default_segments: u32,
    event: LambdaEvent<Value>,
) -> Result<Value, AdminError> {
    let input: GenerateAll = payload(event.payload)?;
    match (input.segments, input.run_id) {
        (Some(_), Some(_)) => Err(AdminError::invalid(&[FieldError::new(
            "run_id",
            "give either segments (to start a run) or run_id (to see one), not both",
        )])),
        (_, Some(_)) if input.as_of.is_some() => Err(AdminError::invalid(&[FieldError::new(
            "as_of",
            "only a new run takes a clock, not a run_id",
        )])),
        (_, Some(run_id)) => {
            if run_id.is_empty() || run_id.len() > 64 {
                return Err(AdminError::invalid(&[FieldError::new(
                    "run_id",
                    "1 to 64 characters",
                )]));
            }
            let status = jobs
                .jobs
                .run(&run_id)
                .await
                .map_err(AdminError::internal("reading the run"))?
                .ok_or_else(|| AdminError::not_found(format!("no run {run_id}")))?;
            Ok(serde_json::json!({"run": status, "finished": status.finished()}))
        }
        (segments, None) => {
            let segments = segments.unwrap_or(default_segments);
            if !(1..=MAX_SEGMENTS).contains(&segments) {
                return Err(AdminError::invalid(&[FieldError::new(
                    "segments",
                    format!("must be from 1 to {MAX_SEGMENTS}"),
                )]));
            }
            let now = Utc::now();
            let clock = replay_clock(input.as_of, now)?;
            let run = start_run(
                &jobs.jobs,
                &jobs.bus,
                &new_run_id(now),
                clock.unwrap_or(now),
                segments,
                clock.is_some(),
            )
            .await
            .map_err(AdminError::internal("starting the run"))?;
            Ok(serde_json::to_value(run).unwrap_or_default())
        }
    }
}
