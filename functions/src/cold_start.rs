//! What every function does once per cold start: logging, configuration and clients.

use coaching::aws::dynamo::{MessageStore, ProfileStore};
use coaching::aws::sns::{PlatformApps, Push};
use coaching::config::{required, Config};

/// Logs as the Lambda runtime expects (`AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON lines).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// The stores the API functions use, built once.
#[derive(Clone, Debug)]
pub struct Stores {
    pub profiles: ProfileStore,
    pub messages: MessageStore,
    pub templates: coaching::aws::dynamo::TemplateStore,
}

/// The stores over the configured tables, or the configuration error naming what is missing.
pub async fn stores() -> Result<Stores, lambda_http::Error> {
    let config = Config::from_env()?;
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    Ok(Stores {
        profiles: ProfileStore::new(client.clone(), config.profiles_table),
        messages: MessageStore::new(client.clone(), config.messages_table, config.stats_table),
        templates: coaching::aws::dynamo::TemplateStore::new(client, config.templates_table),
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
        aws_sdk_sns::Client::new(&coaching::aws::sdk_config().await),
        apps,
    ))
}

/// The coach bus named by `EVENT_BUS_NAME`.
pub async fn bus() -> Result<coaching::aws::eventbridge::Bus, lambda_http::Error> {
    let name = required("EVENT_BUS_NAME")?;
    Ok(coaching::aws::eventbridge::Bus::new(
        aws_sdk_eventbridge::Client::new(&coaching::aws::sdk_config().await),
        name,
    ))
}

/// Leases and run records in the statistics table.
pub async fn job_store() -> Result<coaching::aws::dynamo::JobStore, lambda_http::Error> {
    let config = Config::from_env()?;
    Ok(coaching::aws::dynamo::JobStore::new(
        aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await),
        config.stats_table,
    ))
}

/// The SQS queue whose URL is in the variable `name`.
pub async fn work_queue(
    name: &'static str,
) -> Result<coaching::aws::sqs::WorkQueue, lambda_http::Error> {
    let url = required(name)?;
    Ok(coaching::aws::sqs::WorkQueue::new(
        aws_sdk_sqs::Client::new(&coaching::aws::sdk_config().await),
        url,
    ))
}

/// What the job functions use: the stores, job records, the bus and the work queue.
pub struct Jobs {
    pub stores: Stores,
    pub jobs: coaching::aws::dynamo::JobStore,
    pub bus: coaching::aws::eventbridge::Bus,
    pub queue: coaching::aws::sqs::WorkQueue,
}

/// The job clients; the work queue is `GENERATE_QUEUE_URL`.
pub async fn jobs() -> Result<Jobs, lambda_http::Error> {
    Ok(Jobs {
        stores: stores().await?,
        jobs: job_store().await?,
        bus: bus().await?,
        queue: work_queue("GENERATE_QUEUE_URL").await?,
    })
}

/// What delivery uses: the stores, SNS push and the bus.
pub struct Delivery {
    pub stores: Stores,
    pub push: Push,
    pub bus: coaching::aws::eventbridge::Bus,
}

impl Delivery {
    /// The deliverer over these clients (publishing `MessageDelivered`), deciding as of
    /// `clock` (`None`: the wall clock).
    pub fn deliverer(
        &self,
        clock: Option<chrono::DateTime<chrono::Utc>>,
    ) -> coaching::app::delivery::Deliverer<'_> {
        coaching::app::delivery::Deliverer {
            profiles: &self.stores.profiles,
            messages: &self.stores.messages,
            push: &self.push,
            bus: Some(&self.bus),
            clock,
        }
    }
}

/// The delivery clients.
pub async fn delivery() -> Result<Delivery, lambda_http::Error> {
    Ok(Delivery {
        stores: stores().await?,
        push: push().await?,
        bus: bus().await?,
    })
}
