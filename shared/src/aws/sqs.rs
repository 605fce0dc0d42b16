//! SQS adapter for work queues: a worker hands the rest of its work back to its own queue.

use aws_sdk_sqs::Client;

use crate::aws::{operation_of, Cause};

/// A work-queue failure: the SQS call it names, with its source.
#[derive(Debug, thiserror::Error)]
#[error("SQS {op} failed")]
pub struct QueueError {
    pub op: &'static str,
    #[source]
    pub source: Cause,
}

fn sqs<E: std::error::Error + Send + Sync + 'static>(e: E) -> QueueError {
    QueueError {
        op: operation_of::<E>(),
        source: Box::new(e),
    }
}

/// One SQS queue, by URL.
#[derive(Clone, Debug)]
pub struct WorkQueue {
    client: Client,
    url: String,
}

impl WorkQueue {
    /// The queue at `url`.
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        WorkQueue {
            client,
            url: url.into(),
        }
    }

    /// Sends `body`, visible after `delay_secs` (0–900).
    pub async fn send(&self, body: String, delay_secs: i32) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(delay_secs.clamp(0, 900))
            .send()
            .await
            .map_err(sqs)?;
        Ok(())
    }
}

impl WorkQueue {
    /// Messages waiting in the queue (SQS's approximate count).
    pub async fn depth(&self) -> Result<u64, QueueError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(sqs)?;
        Ok(out
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
                    .cloned()
            })
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }
}
