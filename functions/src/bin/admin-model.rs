//! Lambda entry point of `admin-model`.
use functions::job_fit_model::admin;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let stores = functions::stores().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| {
        admin(&stores.messages, event)
    }))
    .await
}
