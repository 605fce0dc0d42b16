//! Lambda entry point of `admin-seed-templates`.
use functions::admin_templates::seed;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let stores = functions::stores().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| {
        seed(&stores.templates, event)
    }))
    .await
}
