//! Lambda entry point of `api-put-personalization`.
use functions::api_put_personalization::handle;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let store = functions::profile_store().await?;
    lambda_http::run(lambda_http::service_fn(|req| handle(&store, req))).await
}
