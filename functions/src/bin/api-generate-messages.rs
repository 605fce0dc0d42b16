//! Lambda entry point of `api-generate-messages`.
use functions::api_generate_messages::{handle, Generator};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::init_tracing();
    let stores = functions::stores().await?;
    let generator = Generator::default();
    lambda_http::run(lambda_http::service_fn(|req| {
        handle(&stores, &generator, req)
    }))
    .await
}
