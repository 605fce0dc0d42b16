//! What the engine knows of messages already planned for a user.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::messages::{in_reward_window, Message, MessageStatus};
use crate::domain::preferences::{MessageType, Tone};

/// One earlier message of the user.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub message_id: String,
    /// The trigger occurrence it answered (see `Trigger::occurrence`).
    pub occurrence: String,
    pub message_type: MessageType,
    pub template_id: String,
    pub variant_id: String,
    pub tone: Tone,
    pub send_at: DateTime<Utc>,
    pub status: MessageStatus,
    pub read_at: Option<DateTime<Utc>>,
    pub acted_at: Option<DateTime<Utc>>,
    /// The habit followed within two hours of the delivery (the push's reward).
    #[serde(default)]
    pub rewarded: bool,
    /// When the push reached the user's devices (the reward window starts there); `None`
    /// when it was not delivered, or when a store does not say (ledger entries from before
    /// it kept the time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}

/// The status the engine reads: a message being sent is still scheduled to it (it counts
/// against the caps and has no outcome yet either way), so a delivery's claim changes nothing
/// the engine reads.
pub fn engine_status(s: MessageStatus) -> MessageStatus {
    match s {
        MessageStatus::Sending => MessageStatus::Scheduled,
        s => s,
    }
}

impl HistoryEntry {
    /// What the engine needs to know of a stored message (its status as [`engine_status`]).
    pub fn of(m: &Message) -> Self {
        HistoryEntry {
            message_id: m.id.clone(),
            occurrence: m.occurrence.clone(),
            message_type: m.message_type,
            template_id: m.template_id.clone(),
            variant_id: m.variant_id.clone(),
            tone: m.tone,
            send_at: m.send_at,
            status: engine_status(m.status),
            read_at: m.read_at,
            acted_at: m.acted_at,
            rewarded: m.rewarded_at.is_some(),
            delivered_at: m.delivered_at,
        }
    }

    /// Whether an activity at `at` is this push's reward: delivered at most
    /// [`REWARD_WINDOW_HOURS`](crate::domain::messages::REWARD_WINDOW_HOURS) before it and not
    /// rewarded yet (as [`Message::rewarded_by`]).
    pub fn rewarded_by(&self, at: DateTime<Utc>) -> bool {
        !self.rewarded && in_reward_window(self.delivered_at, at)
    }

    /// Whether the push was delivered (by its status), whether or not its delivery time is
    /// known.
    pub fn delivered(&self) -> bool {
        self.status.delivered()
    }
}
