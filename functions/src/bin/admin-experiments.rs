//! Lambda entry point of `admin-experiments`.
use functions::admin_experiments::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let stores = functions::stores().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&stores, event))).await
}
