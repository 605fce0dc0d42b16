//! Lambda entry point of `admin-deliver-scheduled`.
use functions::admin_deliver_scheduled::handle;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let clients = functions::delivery().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| handle(&clients, event))).await
}
