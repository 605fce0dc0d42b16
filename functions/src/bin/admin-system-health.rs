//! Lambda entry point of `admin-system-health`.
use functions::job_health::{admin, clients};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let health = clients().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| admin(&health, event))).await
}
