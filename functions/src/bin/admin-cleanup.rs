//! Lambda entry point of `admin-cleanup`.
use functions::admin_cleanup::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let cleanup = functions::common::cold_start::cleanup().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&cleanup, event))).await
}
