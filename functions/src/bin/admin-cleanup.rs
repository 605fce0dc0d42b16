//! Lambda entry point of `admin-cleanup`.
use functions::job_cleanup::{admin, clients};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let cleanup = clients().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| admin(&cleanup, event))).await
}
