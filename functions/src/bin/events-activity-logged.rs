//! Lambda entry point of `events-activity-logged`.
use coaching::generation::Generator;
use functions::events_activity_logged::handle;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::init_tracing();
    let clients = functions::delivery().await?;
    let generator = Generator::default();
    lambda_runtime::run(lambda_runtime::service_fn(|event| {
        handle(&clients, &generator, event)
    }))
    .await
}
