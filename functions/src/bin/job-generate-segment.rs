//! Lambda entry point of `job-generate-segment`.
use functions::job_generate_segment::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let jobs = functions::jobs().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&jobs, event))).await
}
