//! The coaching engine: pure and deterministic. It takes plain data (behaviour summary,
//! preferences, message history, template catalogue, variant statistics, experiments), a
//! clock and a seed, and returns decisions; it never touches AWS.
//!
//! - [`summary`]: the behaviour summary kept incrementally from activity events.
//! - [`state`]: what is derived at plan time (streaks, consistency, learned best hour).
//! - [`strength`], [`segment`], [`risk`]: habit strength, segments, streak risk.
//! - [`triggers`]: the moments a message would help, with stable occurrence keys.
//! - [`tone`], [`timing`], [`caps`]: tone, send time, frequency caps.
//! - [`templates`], [`catalogue`], [`experiments`]: templates, defaults, A/B assignment.
//! - [`value`]: send or not and send hour, learned from the user's own rewards.
//! - [`learned`], [`bandit`]: what is learned from everyone (fitted daily, stored as data) and
//!   the template bandit that uses it.
//! - [`plan`](mod@plan): all of it together for one user ([`text`]: numbers written fast).
//! - [`delivery`]: what happens to a due message at send time; [`retention`]: what cleanup
//!   deletes.
//!
//! Uses only [`crate::domain`].

pub mod bandit;
pub mod caps;
pub mod catalogue;
pub mod delivery;
pub mod experiments;
pub mod history;
pub mod learned;
pub mod plan;
pub mod retention;
pub mod risk;
pub mod rng;
pub mod segment;
pub mod state;
pub mod strength;
pub mod summary;
pub mod templates;
pub mod text;
pub mod timing;
pub mod tone;
pub mod triggers;
pub mod value;

pub use plan::{plan, Plan, PlanInput, PlannedMessage};
