//! `coaching`: everything the Tug Coach functions share.
//!
//! - [`engine`]: the coaching engine (pure: analysis, triggers, tone, timing, caps, templates).
//! - [`preferences`]: the user's coaching preferences (pure domain: types, defaults, validation).
//! - [`http`]: API Gateway HTTP API edge helpers (caller identity, bounded JSON bodies, problem+json).
//! - [`messages`], [`devices`]: stored messages with their interactions, push devices.
//! - [`metrics`]: CloudWatch Embedded Metric Format.
//! - [`report`]: the summary and insights the app shows.
//! - [`push`]: SNS mobile-push endpoints.
//! - [`analytics`]: daily rates, engagement times and experiment tests from counters.
//! - [`activity`]: activity events into behaviour summaries, milestone celebrations.
//! - [`health`]: queue depth, stuck claims, delivery success, dead letters.
//! - [`cleanup`]: the retention policy for what TTL does not cover.
//! - [`delivery`]: send-time decisions, push payloads and the deliverer.
//! - [`generation`]: planning users and storing their messages (manual run, segment worker).
//! - [`bus`]: domain events and the EventBridge adapter; [`lambda_events`]: SQS and bus event shapes.
//! - [`store`]: DynamoDB adapters, the only code here that calls the AWS SDK.
//! - [`user`]: the coached user's identity.
//! - [`work_queue`]: SQS work queues (a worker handing work back).
//! - [`config`]: environment configuration, read once at cold start.

pub mod activity;
pub mod analytics;
pub mod bus;
pub mod cleanup;
pub mod config;
pub mod delivery;
pub mod devices;
pub mod engine;
pub mod generation;
pub mod health;
pub mod http;
pub mod lambda_events;
pub mod messages;
pub mod metrics;
pub mod preferences;
pub mod push;
pub mod report;
pub mod store;
pub mod user;
pub mod work_queue;

pub use config::Config;
