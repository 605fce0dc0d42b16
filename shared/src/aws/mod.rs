//! The AWS adapters: the only code in this crate that calls the AWS SDK. They store and move
//! domain data; they decide nothing. Use [`crate::domain`], [`crate::engine`] (the types they
//! store) and [`crate::views`] (the counters they add).
//!
//! - [`dynamo`]: the four tables and their access patterns.
//! - [`sns`]: mobile-push endpoints and the push payload.
//! - [`eventbridge`]: publishing domain events.
//! - [`sqs`]: work queues (a worker handing work back).
//! - [`retry`]: backoff with jitter for partial batch failures.

pub mod dynamo;
pub mod eventbridge;
pub mod retry;
pub mod sns;
pub mod sqs;

use aws_config::{BehaviorVersion, SdkConfig};

/// The AWS SDK configuration from the standard chain, loaded once per cold start and shared by
/// every client. Service endpoints come from the SDK's own variables
/// (`AWS_ENDPOINT_URL_DYNAMODB`, …), which is how the local stack is reached.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}
