//! Lambda entry point of `admin-deliver-scheduled`.
use functions::job_deliver::admin;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let clients = functions::delivery().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| admin(&clients, event))).await
}
