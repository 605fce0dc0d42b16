//! `job-generate-segment` (SQS `GenerateWorkQueue`, batch size 1, limited concurrency): plans
//! every user of one scan segment. Before Lambda's time limit it hands the rest of the range
//! back to the queue; a segment another run holds comes back later. Failures are reported per
//! message (`ReportBatchItemFailures`), so only failed items are retried and, after repeated
//! failures, dead-lettered.

use coaching::app::generation::{Generator, SegmentRun, SegmentWorker};
use coaching::domain::events::GenerateSegment;
use coaching::edge::events::{BatchItemFailure, BusEvent, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::json;

use crate::Jobs;

/// Seconds a segment held by another run waits before it is tried again.
pub const BUSY_DELAY_SECS: i32 = 10;

fn envelope(work: &GenerateSegment) -> String {
    json!({
        "source": coaching::domain::events::COACH_SOURCE,
        "detail-type": "GenerateSegment",
        "detail": work,
    })
    .to_string()
}

/// Works on each work item of the batch.
pub async fn handle(jobs: &Jobs, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let deadline = crate::deadline(&event.context);
    let generator = &Generator::from_store(&jobs.stores.templates, &jobs.stores.messages).await?;
    let worker = SegmentWorker {
        profiles: &jobs.stores.profiles,
        messages: &jobs.stores.messages,
        jobs: &jobs.jobs,
        bus: Some(&jobs.bus),
        generator,
    };
    let mut failures = Vec::new();
    for record in event.payload.records {
        let work = match serde_json::from_str::<BusEvent<GenerateSegment>>(&record.body) {
            Ok(e) => e.detail,
            Err(e) => {
                // Never valid: retrying cannot help, so it goes to the dead-letter queue.
                tracing::error!(message_id = %record.message_id, error = %e, "malformed work item");
                failures.push(record.message_id);
                continue;
            }
        };
        let outcome = match worker.run(&work, deadline).await {
            Ok(SegmentRun::Busy) => {
                tracing::info!(run_id = %work.run_id, segment = work.segment, "segment busy; retrying later");
                jobs.queue
                    .send(envelope(&work), BUSY_DELAY_SECS)
                    .await
                    .map_err(Error::from)
            }
            Ok(SegmentRun::Worked { counts, next }) => {
                tracing::info!(run_id = %work.run_id, segment = work.segment, users = counts.users,
                    planned = counts.planned, already_planned = counts.already_planned,
                    done = next.is_none(), "segment worked");
                match next {
                    Some(start) => {
                        let rest = GenerateSegment {
                            start: Some(start),
                            ..work.clone()
                        };
                        jobs.queue
                            .send(envelope(&rest), 0)
                            .await
                            .map_err(Error::from)
                    }
                    None => Ok(()),
                }
            }
            Err(e) => Err(Error::from(e)),
        };
        if let Err(e) = outcome {
            tracing::error!(run_id = %work.run_id, segment = work.segment, error = %e, "segment failed");
            failures.push(record.message_id);
        }
    }
    Ok(SqsBatchResponse {
        batch_item_failures: failures
            .into_iter()
            .map(|item_identifier| BatchItemFailure { item_identifier })
            .collect(),
    })
}
