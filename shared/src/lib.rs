//! `coaching`: everything the Tug Coach functions share, in six groups. Each group may use
//! only the groups listed before it (`tests/layers.rs` checks it):
//!
//! 1. [`domain`]: the vocabulary — users, preferences, devices, messages, domain events.
//! 2. [`engine`]: the coaching decisions, pure and deterministic, over domain data.
//! 3. [`views`]: what the app and the operators read — the user's summary and insights, daily
//!    analytics, the counters behind them, metrics lines.
//! 4. [`aws`]: the adapters, the only code that calls the AWS SDK — DynamoDB tables and their
//!    access patterns, SNS push, EventBridge, SQS.
//! 5. [`app`]: the use cases — activity, generation, delivery, health, cleanup — composed from
//!    the engine's decisions and the adapters.
//! 6. [`edge`]: what the Lambda handlers share to translate events and responses — HTTP
//!    helpers (identity, bodies, versions, problem+json).
//!
//! [`config`] (environment settings, read once at cold start) stands apart and uses nothing.
//! Design notes: `docs/architecture.md`.

pub mod app;
pub mod aws;
pub mod config;
pub mod domain;
pub mod edge;
pub mod engine;
pub mod views;

pub use config::Config;
