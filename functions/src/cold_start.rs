//! What every function does once per cold start: logging, configuration and clients.

use coaching::config::{required, Config};
use coaching::push::{PlatformApps, Push};
use coaching::store::{MessageStore, ProfileStore};

/// Logs as the Lambda runtime expects (`AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON lines).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// The stores the API functions use, built once.
#[derive(Clone, Debug)]
pub struct Stores {
    pub profiles: ProfileStore,
    pub messages: MessageStore,
}

/// The stores over the configured tables, or the configuration error naming what is missing.
pub async fn stores() -> Result<Stores, lambda_http::Error> {
    let config = Config::from_env()?;
    let client = aws_sdk_dynamodb::Client::new(&coaching::config::aws().await);
    Ok(Stores {
        profiles: ProfileStore::new(client.clone(), config.profiles_table),
        messages: MessageStore::new(client, config.messages_table, config.stats_table),
    })
}

/// The profiles store alone (the preference functions need nothing else).
pub async fn profile_store() -> Result<ProfileStore, lambda_http::Error> {
    Ok(stores().await?.profiles)
}

/// SNS push over the platform applications named by `APNS_PLATFORM_APPLICATION_ARN` and
/// `FCM_PLATFORM_APPLICATION_ARN`.
pub async fn push() -> Result<Push, lambda_http::Error> {
    let apps = PlatformApps {
        apns: required("APNS_PLATFORM_APPLICATION_ARN")?,
        fcm: required("FCM_PLATFORM_APPLICATION_ARN")?,
    };
    Ok(Push::new(
        aws_sdk_sns::Client::new(&coaching::config::aws().await),
        apps,
    ))
}
