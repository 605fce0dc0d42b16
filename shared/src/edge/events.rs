//! The non-HTTP Lambda event shapes the functions receive: SQS batches (with partial-batch
//! failure responses) and EventBridge events. Only the fields the functions read are modelled.

use serde::{Deserialize, Serialize};

/// An SQS batch as Lambda's event source mapping delivers it.
#[derive(Deserialize, Serialize, Debug, Clone, Default)]
pub struct SqsEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<SqsRecord>,
}

/// One SQS message of a batch.
#[derive(Deserialize, Serialize, Debug, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct SqsRecord {
    pub message_id: String,
    #[serde(default)]
    pub receipt_handle: String,
    pub body: String,
    #[serde(rename = "eventSourceARN", default)]
    pub event_source_arn: String,
}

/// The partial-batch answer (`ReportBatchItemFailures`): only these messages are retried.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SqsBatchResponse {
    pub batch_item_failures: Vec<BatchItemFailure>,
}

/// A message of the batch that failed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    pub item_identifier: String,
}

/// An EventBridge event (from a rule target, or an SQS body a rule delivered).
#[derive(Deserialize, Serialize, Debug, Clone)]
pub struct BusEvent<T> {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    /// When the event was put on the bus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    pub detail: T,
}
