//! The vocabulary of Tug Coach: plain data with its validation, no decisions beyond the rules
//! of a value's own shape, no I/O. Uses nothing else in the crate; everything else uses it.
//!
//! - [`user`]: the coached user's identity and segment.
//! - [`preferences`]: the preference document (message types, tones, categories, windows).
//! - [`devices`]: push devices (ids, platforms, token rules).
//! - [`messages`]: stored messages, their status, interactions and feedback.
//! - [`events`]: the domain events on the bus and the activity the app's backend reports.

pub mod devices;
pub mod events;
pub mod messages;
pub mod preferences;
pub mod user;

use serde::Serialize;

/// The serde name of a unit enum value (`"habit_master"`, `"streak_warning"`, …).
pub fn wire_name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
