//! Lambda entry point of `api-get-personalization`.
use functions::api_get_personalization::handle;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let store = functions::profile_store().await?;
    lambda_http::run(lambda_http::service_fn(|req| handle(&store, req))).await
}
