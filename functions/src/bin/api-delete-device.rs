//! Lambda entry point of `api-delete-device`.
use functions::api_delete_device::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let aws = functions::ColdStart::load().await?;
    let (stores, push) = (aws.stores(), aws.push()?);
    lambda_http::run(lambda_http::service_fn(|req| handle(&stores, &push, req))).await
}
