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

use std::error::Error;
use std::fmt;

use aws_config::{BehaviorVersion, SdkConfig};

/// The cause of an adapter's failure, kept (as the error's `source`) for the log.
pub type Cause = Box<dyn Error + Send + Sync + 'static>;

/// The SDK operation an error type belongs to (`get_item` for `SdkError<GetItemError, _>`),
/// read from the type's path, so every adapter error names its call without each call site
/// spelling it.
pub(crate) fn operation_of<E>() -> &'static str {
    std::any::type_name::<E>()
        .split("::operation::")
        .nth(1)
        .and_then(|s| s.split("::").next())
        .filter(|s| s.starts_with(|c: char| c.is_ascii_lowercase()))
        .unwrap_or("request building")
}

/// An error with its sources (`a: b: c`), for logs: the SDK's own `Display` is terse and the
/// service's error code sits in a source.
pub struct Chain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

/// The AWS SDK configuration from the standard chain, loaded once per cold start and shared by
/// every client. Service endpoints come from the SDK's own variables
/// (`AWS_ENDPOINT_URL_DYNAMODB`, …), which is how the local stack is reached.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}
