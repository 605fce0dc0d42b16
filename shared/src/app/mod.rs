//! The use cases: each composes the engine's decisions with the adapters, so a handler only
//! translates its event to a call here and the result to its response. May use every group
//! before it ([`crate::domain`], [`crate::engine`], [`crate::views`], [`crate::aws`]).
//!
//! - [`activity`]: activity events into behaviour summaries, milestone celebrations.
//! - [`catalogue`]: seeding the built-in templates.
//! - [`generation`]: planning users and storing their messages (the app's manual run, a
//!   scan segment, starting a run).
//! - [`delivery`]: claiming due messages, pushing them, recording the outcome.
//! - [`interactions`]: what a user does with a delivered message, and their feedback.
//! - [`devices`]: registering and removing push devices.
//! - [`privacy`]: a user's export and erasure.
//! - [`overview`]: the user's summary and insights.
//! - [`preferences`]: replacing the user's preference document.
//! - [`learning`]: the daily fit of what is learned from everyone, and experiments.
//! - [`analytics`]: the daily report, computed and stored.
//! - [`health`]: queue depth, stuck claims, delivery success, dead letters.

pub mod activity;
pub mod analytics;
pub mod catalogue;
pub mod delivery;
pub mod devices;
pub mod generation;
pub mod health;
pub mod interactions;
pub mod learning;
pub mod overview;
pub mod preferences;
pub mod privacy;

use crate::aws::dynamo::{MessageStore, ProfileStore, StoreError, TemplateStore};
use crate::aws::eventbridge::BusError;
use crate::aws::sns::PushError;

/// The stores over the four tables, built once per cold start.
#[derive(Clone, Debug)]
pub struct Stores {
    pub profiles: ProfileStore,
    pub messages: MessageStore,
    pub templates: TemplateStore,
}

/// A use case's failure: the adapter that failed, with its source (which names the call).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Push(#[from] PushError),
    #[error(transparent)]
    Bus(#[from] BusError),
}
