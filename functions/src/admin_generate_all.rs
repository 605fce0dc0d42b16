//! `admin-generate-all`: `{}` or `{"segments": N}` starts a generation run for every user
//! now (or, with `"as_of"`, a pinned run as of that past instant: a replay);
//! `{"run_id": "…"}` reports that run's progress.

use chrono::Utc;
use coaching::app::generation::{new_run_id, start_run, MAX_SEGMENTS};
use coaching::domain::preferences::FieldError;
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::common::admin::{payload, replay_clock, AdminError};
use crate::Jobs;

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
pub async fn handle(
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
                .await?
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
            .await?;
            serde_json::to_value(run).map_err(|e| AdminError::internal(&e))
        }
    }
}
