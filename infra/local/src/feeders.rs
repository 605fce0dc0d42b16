//! Feeds SQS queues to their functions, as Lambda's event source mapping does: long-polls the
//! queue, invokes the function with the batch, and deletes what succeeded (all of the batch, or
//! all but the reported `batchItemFailures`). Failed messages reappear after the visibility
//! timeout, and the queue's redrive policy dead-letters them. Bus rules that target a function
//! are fed the same way from their tap queue, one event per invocation.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use aws_sdk_sqs::Client;

use crate::host::Host;
use crate::runtime::Outcome;
use crate::template::REGION;

/// How a queue's messages reach the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// An `SQS` event: the function gets an SQS batch event.
    Sqs,
    /// An asynchronous invocation's tap queue (a bus rule's or a schedule's): the function
    /// gets the message body itself (the EventBridge event, or the schedule's input).
    AsyncTap,
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

/// One received message as the event source mapping hands it to the function.
fn record(m: &Message, arn: &str) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = m.message_id().map(str::to_owned);
    r.receipt_handle = m.receipt_handle().map(str::to_owned);
    r.body = m.body().map(str::to_owned);
    r.md5_of_body = m.md5_of_body().map(str::to_owned);
    r.attributes = m
        .attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    r.event_source = Some("aws:sqs".to_owned());
    r.event_source_arn = Some(arn.to_owned());
    r.aws_region = Some(REGION.to_owned());
    r
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

/// The message ids a function reported as failed (none when the answer is not a batch
/// response).
fn failed_ids(payload: &[u8]) -> Vec<String> {
    serde_json::from_slice::<SqsBatchResponse>(payload)
        .map(|r| {
            r.batch_item_failures
                .into_iter()
                .map(|f| f.item_identifier)
                .collect()
        })
        .unwrap_or_default()
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
            let mut event = SqsEvent::default();
            event.records = messages
                .iter()
                .map(|m| record(m, &feed.queue_arn))
                .collect();
            let event = serde_json::to_vec(&event).map_err(|e| e.to_string())?;
            match host.invoke(&feed.function, event.into()).await {
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
        FeedKind::AsyncTap => {
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
