//! What every function does once per cold start: logging, configuration, and the AWS SDK
//! configuration every client is built from (loaded once: the credential chain and region
//! are resolved a single time, however many clients the function needs).

use aws_config::SdkConfig;
use coaching::app::delivery::Deliverer;
use coaching::app::generation::{DEFAULT_SEGMENTS, MAX_SEGMENTS};
use coaching::app::Stores;
use coaching::aws::dynamo::{JobStore, MessageStore, ProfileStore, TemplateStore};
use coaching::aws::eventbridge::Bus;
use coaching::aws::sns::{PlatformApps, Push};
use coaching::aws::sqs::WorkQueue;
use coaching::config::{required, Config};

/// Logs as the Lambda runtime expects (`AWS_LAMBDA_LOG_FORMAT=JSON` gives JSON lines).
pub fn init_tracing() {
    lambda_http::tracing::init_default_subscriber();
}

/// The environment's settings and the SDK configuration, read once; clients come from here.
#[derive(Clone, Debug)]
pub struct ColdStart {
    sdk: SdkConfig,
    config: Config,
}

impl ColdStart {
    /// Reads the configuration (failing on the first missing variable) and loads the SDK's.
    pub async fn load() -> Result<Self, lambda_http::Error> {
        let config = Config::from_env()?;
        Ok(ColdStart {
            sdk: coaching::aws::sdk_config().await,
            config,
        })
    }

    /// The configuration from the environment, with `sdk` instead of the loaded SDK
    /// configuration (a bench calling a handler as another identity signs with it).
    pub fn with_sdk(sdk: SdkConfig) -> Result<Self, lambda_http::Error> {
        Ok(ColdStart {
            sdk,
            config: Config::from_env()?,
        })
    }

    /// The four tables' stores over one DynamoDB client.
    pub fn stores(&self) -> Stores {
        let client = aws_sdk_dynamodb::Client::new(&self.sdk);
        let c = &self.config;
        Stores {
            profiles: ProfileStore::new(client.clone(), c.profiles_table.clone()),
            messages: MessageStore::new(
                client.clone(),
                c.messages_table.clone(),
                c.stats_table.clone(),
                c.profiles_table.clone(),
            ),
            templates: TemplateStore::new(client, c.templates_table.clone()),
        }
    }

    /// What cleanup's scan needs: a DynamoDB client, the messages table's name and the
    /// profiles table's (where the messages' ledger entries are).
    pub fn cleanup(&self) -> Cleanup {
        Cleanup {
            client: aws_sdk_dynamodb::Client::new(&self.sdk),
            messages_table: self.config.messages_table.clone(),
            profiles_table: self.config.profiles_table.clone(),
        }
    }

    /// SNS push over the platform applications named by `APNS_PLATFORM_APPLICATION_ARN` and
    /// `FCM_PLATFORM_APPLICATION_ARN`.
    pub fn push(&self) -> Result<Push, lambda_http::Error> {
        let apps = PlatformApps {
            apns: required("APNS_PLATFORM_APPLICATION_ARN")?,
            fcm: required("FCM_PLATFORM_APPLICATION_ARN")?,
        };
        Ok(Push::new(aws_sdk_sns::Client::new(&self.sdk), apps))
    }

    /// The coach bus named by `EVENT_BUS_NAME`.
    pub fn bus(&self) -> Result<Bus, lambda_http::Error> {
        let name = required("EVENT_BUS_NAME")?;
        Ok(Bus::new(aws_sdk_eventbridge::Client::new(&self.sdk), name))
    }

    /// An SQS client (work and dead-letter queues).
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    /// The dead-letter queues named by `DEAD_LETTER_QUEUES` (`name=url,name=url`).
    pub fn dead_letter_queues(&self) -> Result<Vec<(String, WorkQueue)>, lambda_http::Error> {
        let sqs = self.sqs();
        let spec = required("DEAD_LETTER_QUEUES")?;
        let mut queues = Vec::new();
        for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (name, url) = part
                .split_once('=')
                .ok_or_else(|| format!("DEAD_LETTER_QUEUES: `{part}` is not name=url"))?;
            queues.push((
                name.trim().to_owned(),
                WorkQueue::new(sqs.clone(), url.trim()),
            ));
        }
        Ok(queues)
    }

    /// The job clients: the stores, job records, the bus and the work queue named by
    /// `GENERATE_QUEUE_URL`.
    pub fn jobs(&self) -> Result<Jobs, lambda_http::Error> {
        let stores = self.stores();
        Ok(Jobs {
            jobs: JobStore::new(
                aws_sdk_dynamodb::Client::new(&self.sdk),
                self.config.stats_table.clone(),
            ),
            stores,
            bus: self.bus()?,
            queue: WorkQueue::new(self.sqs(), required("GENERATE_QUEUE_URL")?),
        })
    }

    /// The delivery clients: the stores, SNS push and the bus.
    pub fn delivery(&self) -> Result<Delivery, lambda_http::Error> {
        Ok(Delivery {
            stores: self.stores(),
            push: self.push()?,
            bus: self.bus()?,
        })
    }
}

/// Segments per generation run: `GENERATE_SEGMENTS` (1–1000), else the default.
pub fn segments_from_env() -> Result<u32, lambda_http::Error> {
    match std::env::var("GENERATE_SEGMENTS") {
        Err(_) => Ok(DEFAULT_SEGMENTS),
        Ok(v) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_SEGMENTS).contains(&n) => Ok(n),
            _ => Err(
                format!("GENERATE_SEGMENTS={v} is not a number from 1 to {MAX_SEGMENTS}").into(),
            ),
        },
    }
}

/// The stores over the configured tables, or the configuration error naming what is missing.
pub async fn stores() -> Result<Stores, lambda_http::Error> {
    Ok(ColdStart::load().await?.stores())
}

/// The profiles store alone (the preference functions need nothing else).
pub async fn profile_store() -> Result<ProfileStore, lambda_http::Error> {
    Ok(stores().await?.profiles)
}

/// What the job functions use: the stores, job records, the bus and the work queue.
pub struct Jobs {
    pub stores: Stores,
    pub jobs: JobStore,
    pub bus: Bus,
    pub queue: WorkQueue,
}

/// The job clients, from one cold start.
pub async fn jobs() -> Result<Jobs, lambda_http::Error> {
    ColdStart::load().await?.jobs()
}

/// What delivery uses: the stores, SNS push and the bus.
pub struct Delivery {
    pub stores: Stores,
    pub push: Push,
    pub bus: Bus,
}

impl Delivery {
    /// The deliverer over these clients (publishing `MessageDelivered`), deciding as of
    /// `clock` (`None`: the wall clock).
    pub fn deliverer(&self, clock: Option<chrono::DateTime<chrono::Utc>>) -> Deliverer<'_> {
        Deliverer {
            profiles: &self.stores.profiles,
            messages: &self.stores.messages,
            push: &self.push,
            bus: Some(&self.bus),
            clock,
        }
    }
}

/// What cleanup reads and deletes.
pub struct Cleanup {
    pub client: aws_sdk_dynamodb::Client,
    pub messages_table: String,
    pub profiles_table: String,
}

/// The cleanup clients, from one cold start.
pub async fn cleanup() -> Result<Cleanup, lambda_http::Error> {
    Ok(ColdStart::load().await?.cleanup())
}

/// What the health check reads: the stores and the dead-letter queues.
pub struct Health {
    pub stores: Stores,
    pub dead_letters: Vec<(String, WorkQueue)>,
}

/// The health clients, from one cold start.
pub async fn health() -> Result<Health, lambda_http::Error> {
    let aws = ColdStart::load().await?;
    Ok(Health {
        stores: aws.stores(),
        dead_letters: aws.dead_letter_queues()?,
    })
}

/// The delivery clients, from one cold start.
pub async fn delivery() -> Result<Delivery, lambda_http::Error> {
    ColdStart::load().await?.delivery()
}

/// SNS push, from one cold start.
pub async fn push() -> Result<Push, lambda_http::Error> {
    ColdStart::load().await?.push()
}
