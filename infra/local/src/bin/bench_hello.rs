//! The yardstick of the cold-start bench: a bare `lambda_runtime` function that answers its
//! payload, with none of the coach's configuration, clients or certificates.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
