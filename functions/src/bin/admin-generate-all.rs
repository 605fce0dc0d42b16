//! Lambda entry point of `admin-generate-all`.
use functions::job_generate::{admin, segments_from_env};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let jobs = functions::jobs().await?;
    let segments = segments_from_env()?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| {
        admin(&jobs, segments, event)
    }))
    .await
}
