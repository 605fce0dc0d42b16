//! What the engine knows of messages already planned for a user.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::preferences::{MessageType, Tone};

/// Where a message is in its life.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Scheduled,
    Sending,
    Sent,
    Read,
    Acted,
    Dismissed,
    Failed,
    Expired,
}

impl MessageStatus {
    /// Whether the message counts against frequency caps (it was or will be delivered).
    pub fn counts_for_caps(self) -> bool {
        !matches!(self, MessageStatus::Failed | MessageStatus::Expired)
    }
}

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
}
