//! Lambda entry point of `job-deliver`.
use functions::job_deliver::handle;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let clients = functions::delivery().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&clients, event))).await
}
