//! Lambda entry point of `job-generate-segment`.
use functions::job_generate_segment::handle;

// The threaded runtime, unlike the other functions: the SDK's connections move a page's
// writes on while the worker plans the next page.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let jobs = functions::jobs().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&jobs, event))).await
}
