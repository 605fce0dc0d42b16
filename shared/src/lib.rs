//! `coaching`: everything the Tug Coach functions share.
//!
//! - [`engine`]: the coaching engine (pure: analysis, triggers, tone, timing, caps, templates).
//! - [`preferences`]: the user's coaching preferences (pure domain: types, defaults, validation).
//! - [`http`]: API Gateway HTTP API edge helpers (caller identity, bounded JSON bodies, problem+json).
//! - [`store`]: DynamoDB adapters, the only code here that calls the AWS SDK.
//! - [`user`]: the coached user's identity.
//! - [`config`]: environment configuration, read once at cold start.

pub mod config;
pub mod engine;
pub mod http;
pub mod preferences;
pub mod store;
pub mod user;

pub use config::Config;
