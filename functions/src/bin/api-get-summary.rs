//! Lambda entry point of `api-get-summary`.
use functions::api_get_summary::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let stores = functions::stores().await?;
    lambda_http::run(lambda_http::service_fn(|req| handle(&stores, req))).await
}
