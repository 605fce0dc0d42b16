//! What every function does once per cold start: logging and clients.

use coaching::store::ProfileStore;
use coaching::Config;

/// Logs as the Lambda runtime expects (`AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON lines).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// The profiles store over the configured table, or the configuration error naming what is
/// missing.
pub async fn profile_store() -> Result<ProfileStore, lambda_http::Error> {
    let config = Config::from_env()?;
    let client = aws_sdk_dynamodb::Client::new(&coaching::config::aws().await);
    Ok(ProfileStore::new(client, config.profiles_table))
}
