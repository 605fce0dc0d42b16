//! The use cases: each composes the engine's decisions with the adapters, so a handler only
//! translates its event to a call here and the result to its response. May use every group
//! before it ([`crate::domain`], [`crate::engine`], [`crate::views`], [`crate::aws`]).
//!
//! - [`activity`]: activity events into behaviour summaries, milestone celebrations.
//! - [`generation`]: planning users and storing their messages (one user, a scan segment).
//! - [`delivery`]: claiming due messages, pushing them, recording the outcome.
//! - [`health`]: queue depth, stuck claims, delivery success, dead letters.

pub mod activity;
pub mod delivery;
pub mod generation;
pub mod health;
