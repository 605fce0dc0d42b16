//! `coaching`: everything the Tug Coach functions share.
//!
//! - [`engine`]: the coaching engine (pure: analysis, triggers, tone, timing, caps, templates).
//! - [`preferences`]: the user's coaching preferences (pure domain: types, defaults, validation).
//! - [`http`]: API Gateway HTTP API edge helpers (caller identity, bounded JSON bodies, problem+json).
//! - [`messages`], [`devices`]: stored messages with their interactions, push devices.
//! - [`report`]: the summary and insights the app shows.
//! - [`push`]: SNS mobile-push endpoints.
//! - [`store`]: DynamoDB adapters, the only code here that calls the AWS SDK.
//! - [`user`]: the coached user's identity.
//! - [`config`]: environment configuration, read once at cold start.

pub mod config;
pub mod devices;
pub mod engine;
pub mod http;
pub mod messages;
pub mod preferences;
pub mod push;
pub mod report;
pub mod store;
pub mod user;

pub use config::Config;
