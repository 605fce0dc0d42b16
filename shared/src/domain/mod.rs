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

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::messages::{Interaction, MessageStatus};
    use super::preferences::{MessageFrequency, MessageType, Tone};
    use super::user::Segment;

    /// The names written to the tables and counters (strum) are the API's codes (serde).
    fn same<T: Serialize + AsRef<str>>(values: &[T]) {
        for v in values {
            let code = serde_json::to_value(v).ok();
            assert_eq!(code.as_ref().and_then(|c| c.as_str()), Some(v.as_ref()));
        }
    }

    #[test]
    fn stored_names_are_the_wire_codes() {
        same(&MessageType::ALL);
        same(&Segment::ALL);
        same(&Tone::ALL);
        same(&[
            MessageStatus::Scheduled,
            MessageStatus::Sending,
            MessageStatus::Sent,
            MessageStatus::Read,
            MessageStatus::Acted,
            MessageStatus::Dismissed,
            MessageStatus::Failed,
            MessageStatus::Expired,
        ]);
        same(&MessageType::ALL.map(MessageType::category));
        same(&[
            MessageFrequency::Minimal,
            MessageFrequency::Optimal,
            MessageFrequency::Frequent,
            MessageFrequency::Daily,
        ]);
        same(&[
            Interaction::Read,
            Interaction::Opened,
            Interaction::Acted,
            Interaction::Dismissed,
        ]);
    }
}
