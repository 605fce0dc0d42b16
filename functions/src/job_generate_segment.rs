//! `job-generate-segment` (SQS `GenerateWorkQueue`, batch size 1, limited concurrency): plans
//! every user of one scan segment, handing back to the queue what is left before Lambda's
//! time limit or while another run holds the segment (`coaching::app::generation`).
//! Failures are reported per message (`ReportBatchItemFailures`), so only failed items are
//! retried and, after repeated failures, dead-lettered.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use coaching::app::generation::{Generator, SegmentWorker};
use coaching::domain::events::GenerateSegment;
use lambda_runtime::{Error, LambdaEvent};

use crate::common::failure;
use crate::Jobs;

/// Works on each work item of the batch.
pub async fn handle(jobs: &Jobs, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let deadline = crate::deadline(&event.context);
    let generator = &Generator::from_store(&jobs.stores.templates, &jobs.stores.messages)
        .await
        .map_err(failure)?;
    let worker = SegmentWorker {
        profiles: &jobs.stores.profiles,
        messages: &jobs.stores.messages,
        jobs: &jobs.jobs,
        generator,
    };
    let mut failures = Vec::new();
    for record in event.payload.records {
        let id = record.message_id.unwrap_or_default();
        let body = record.body.unwrap_or_default();
        let work = match serde_json::from_str::<EventBridgeEvent<GenerateSegment>>(&body) {
            Ok(e) => e.detail,
            Err(e) => {
                // Never valid: retrying cannot help, so it goes to the dead-letter queue.
                tracing::error!(message_id = %id, error = %e, "malformed work item");
                failures.push(id);
                continue;
            }
        };
        if let Err(e) = worker.work(&jobs.queue, &work, deadline).await {
            tracing::error!(run_id = %work.run_id, segment = work.segment,
                error = %coaching::aws::Chain(&e), "segment failed");
            failures.push(id);
        }
    }
    let mut response = SqsBatchResponse::default();
    for item_identifier in failures {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = item_identifier;
        response.batch_item_failures.push(failure);
    }
    Ok(response)
}
