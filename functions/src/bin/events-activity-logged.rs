//! Lambda entry point of `events-activity-logged`.
use functions::events_activity_logged::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let clients = functions::delivery().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&clients, event))).await
}
