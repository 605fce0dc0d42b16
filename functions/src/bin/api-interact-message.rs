//! Lambda entry point of `api-interact-message`.
use functions::api_interact_message::handle;

// One invocation at a time (as Lambda runs a process): one thread, no wakeups between
// threads on the way in and out.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let aws = functions::ColdStart::load().await?;
    let (stores, bus) = (aws.stores(), aws.bus()?);
    lambda_http::run(lambda_http::service_fn(|req| {
        handle(&stores, Some(&bus), req)
    }))
    .await
}
