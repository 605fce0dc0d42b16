//! Lambda entry point of `api-put-personalization`.
use functions::api_put_personalization::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let store = functions::profile_store().await?;
    lambda_http::run(lambda_http::service_fn(|req| handle(&store, req))).await
}
