//! Lambda entry point of `job-generate-segment`.
use functions::job_generate_segment::handle;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let jobs = functions::jobs().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&jobs, event))).await
}
