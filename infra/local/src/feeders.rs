//! Feeds SQS queues to their functions, as Lambda's event source mapping does: long-polls the
//! queue, invokes the function with the batch, and deletes what succeeded (all of the batch, or
//! all but the reported `batchItemFailures`). Failed messages reappear after the visibility
//! timeout, and the queue's redrive policy dead-letters them. Bus rules that target a function
//! are fed the same way from their tap queue, one event per invocation.

use std::sync::Arc;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use aws_sdk_sqs::Client;
use serde_json::{json, Value};

use crate::host::Host;
use crate::runtime::Outcome;
use crate::template::REGION;

/// How a queue's messages reach the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// An `SQS` event: the function gets an SQS batch event.
    Sqs,
    /// A bus rule's tap queue: the function gets the EventBridge event itself.
    BusTap,
}

/// One queue feeding one function.
#[derive(Debug, Clone)]
pub struct Feed {
    pub function: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub batch_size: i32,
    pub concurrency: usize,
    pub kind: FeedKind,
}

fn record(m: &Message, arn: &str) -> Value {
    let attrs: serde_json::Map<String, Value> = m
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "messageId": m.message_id().unwrap_or_default(),
        "receiptHandle": m.receipt_handle().unwrap_or_default(),
        "body": m.body().unwrap_or_default(),
        "attributes": attrs,
        "messageAttributes": {},
        "md5OfBody": m.md5_of_body().unwrap_or_default(),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    })
}

async fn delete(sqs: &Client, url: &str, m: &Message) {
    if let Some(h) = m.receipt_handle() {
        if let Err(e) = sqs
            .delete_message()
            .queue_url(url)
            .receipt_handle(h)
            .send()
            .await
        {
            tracing::warn!(queue = url, error = ?e, "could not delete a fed message");
        }
    }
}

/// The message ids a function reported as failed, or `None` if the answer lists none.
fn failed_ids(payload: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|v| v.get("batchItemFailures").cloned())
        .and_then(|f| f.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|f| f.get("itemIdentifier")?.as_str().map(str::to_owned))
        .collect()
}

async fn feed_once(host: &Host, sqs: &Client, feed: &Feed) -> Result<usize, String> {
    let out = sqs
        .receive_message()
        .queue_url(&feed.queue_url)
        .max_number_of_messages(feed.batch_size.clamp(1, 10))
        .wait_time_seconds(1)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let messages = out.messages.unwrap_or_default();
    match feed.kind {
        FeedKind::Sqs if !messages.is_empty() => {
            let event = json!({
                "Records": messages.iter().map(|m| record(m, &feed.queue_arn)).collect::<Vec<_>>()
            });
            match host.invoke(&feed.function, event.to_string().into()).await {
                Some(Outcome::Success(payload)) => {
                    let failed = failed_ids(&payload);
                    for m in &messages {
                        if !failed.iter().any(|f| Some(f.as_str()) == m.message_id()) {
                            delete(sqs, &feed.queue_url, m).await;
                        }
                    }
                }
                Some(Outcome::FunctionError(e)) => {
                    tracing::warn!(function = %feed.function, error = %String::from_utf8_lossy(&e), "batch failed; it will be retried");
                }
                None => return Err(format!("no function {}", feed.function)),
            }
        }
        FeedKind::Sqs => {}
        FeedKind::BusTap => {
            for m in &messages {
                let body = m.body().unwrap_or_default().to_owned();
                match host.invoke(&feed.function, body.into()).await {
                    Some(Outcome::Success(_)) => delete(sqs, &feed.queue_url, m).await,
                    Some(Outcome::FunctionError(e)) => {
                        tracing::warn!(function = %feed.function, error = %String::from_utf8_lossy(&e), "event failed; it will be retried");
                    }
                    None => return Err(format!("no function {}", feed.function)),
                }
            }
        }
    }
    Ok(messages.len())
}

/// Starts `concurrency` pollers per feed; they run until aborted.
pub fn start(host: Arc<Host>, sqs: Client, feeds: Vec<Feed>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for feed in feeds {
        for _ in 0..feed.concurrency.max(1) {
            let (host, sqs, feed) = (host.clone(), sqs.clone(), feed.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    if let Err(e) = feed_once(&host, &sqs, &feed).await {
                        tracing::warn!(function = %feed.function, error = %e, "feeding failed");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }));
        }
    }
    tasks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_failures_are_read() {
        let answer = br#"{"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"b"}]}"#;
        assert_eq!(failed_ids(answer), vec!["a".to_owned(), "b".to_owned()]);
        assert!(failed_ids(b"null").is_empty());
        assert!(failed_ids(br#"{"batchItemFailures":[]}"#).is_empty());
    }
}
