//! Starting a generation run: one `GenerateSegment` work item per parallel-scan segment,
//! published to the bus (a rule routes them to the work queue).

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use super::segment::WorkError;
use crate::aws::dynamo::JobStore;
use crate::aws::eventbridge::Bus;
use crate::domain::events::{DomainEvent, GenerateSegment};

/// Segments a run is split into unless configured otherwise.
pub const DEFAULT_SEGMENTS: u32 = 16;
/// Most segments a run may have (DynamoDB allows up to 1,000,000; more only adds overhead).
pub const MAX_SEGMENTS: u32 = 1_000;

/// A run that was started.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct RunStarted {
    pub run_id: String,
    pub as_of: DateTime<Utc>,
    pub total_segments: u32,
}

/// The work items of a run.
pub fn work_items(
    run_id: &str,
    as_of: DateTime<Utc>,
    total: u32,
    pinned: bool,
) -> Vec<GenerateSegment> {
    (0..total)
        .map(|segment| GenerateSegment {
            run_id: run_id.to_owned(),
            as_of,
            segment,
            total_segments: total,
            start: None,
            pinned,
        })
        .collect()
}

/// A new run id: the start minute, then random hex (runs never share an id).
pub fn new_run_id(now: DateTime<Utc>) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", now.format("%Y%m%dT%H%M"), &random[..12])
}

/// Records run `run_id` as of `now` and publishes its work items (`pinned`: plan as of `now`
/// however late the workers run, for an admin replay). Repeating it with the same id
/// publishes the items again, which is harmless: a segment's work is idempotent.
pub async fn start_run(
    jobs: &JobStore,
    bus: &Bus,
    run_id: &str,
    now: DateTime<Utc>,
    total: u32,
    pinned: bool,
) -> Result<RunStarted, WorkError> {
    let as_of = now.trunc_subsecs(0);
    jobs.start_run(run_id, as_of, total).await?;
    let events: Vec<DomainEvent> = work_items(run_id, as_of, total, pinned)
        .into_iter()
        .map(DomainEvent::GenerateSegment)
        .collect();
    bus.publish(&events).await?;
    Ok(RunStarted {
        run_id: run_id.to_owned(),
        as_of,
        total_segments: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_per_segment_from_the_start() {
        let now = Utc::now();
        let items = work_items("r", now, 5, false);
        assert_eq!(
            items.iter().map(|i| i.segment).collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 4]
        );
        assert!(items
            .iter()
            .all(|i| i.start.is_none() && i.total_segments == 5 && i.run_id == "r"));
    }
}
