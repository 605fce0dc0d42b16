//! Event schemas. Every event Tug Coach publishes has source [`COACH_SOURCE`]; the app's
//! backend publishes `ActivityLogged` with source [`ACTIVITY_SOURCE`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::preferences::MessageType;

/// The source of the events Tug Coach publishes.
pub const COACH_SOURCE: &str = "tug.coach";
/// The source of the app backend's activity events.
pub const ACTIVITY_SOURCE: &str = "tug.app";

/// `ActivityLogged` (from the app's backend): one logged activity.
pub type ActivityLogged = ActivityEvent;

/// Where a segment scan resumes: the key of the last profile item already done.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ScanStart {
    pub pk: String,
    pub sk: String,
}

/// `GenerateSegment`: one unit of a generation run's fan-out.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GenerateSegment {
    pub run_id: String,
    /// The run's clock: every worker of the run plans as of this instant.
    pub as_of: DateTime<Utc>,
    pub segment: u32,
    pub total_segments: u32,
    /// Resume after this key (a worker handing back the rest of its range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<ScanStart>,
    /// The run was started for an explicit clock (an admin replay): workers plan as of
    /// `as_of` however late they run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
}

/// `MessageScheduled`: a message was stored for later delivery. Put on the bus from the
/// messages table's stream by `MessageScheduledPipe` (template.yaml), whose input template
/// writes these fields.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MessageScheduled {
    pub user_id: String,
    pub message_id: String,
    pub occurrence: String,
    pub message_type: MessageType,
    pub template_id: String,
    pub variant_id: String,
    pub send_at: DateTime<Utc>,
}

/// `MessageDelivered`: a message was published to the user's devices.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MessageDelivered {
    pub user_id: String,
    pub message_id: String,
    pub message_type: MessageType,
    pub template_id: String,
    pub variant_id: String,
    pub delivered_at: DateTime<Utc>,
    /// Devices that accepted the push.
    pub devices: u32,
}

/// `MessageActedOn`: the user acted on a message (the strongest engagement signal).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MessageActedOn {
    pub user_id: String,
    pub message_id: String,
    pub message_type: MessageType,
    pub template_id: String,
    pub variant_id: String,
    pub acted_at: DateTime<Utc>,
}

/// An event Tug Coach publishes to its bus.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEvent {
    GenerateSegment(GenerateSegment),
    MessageScheduled(MessageScheduled),
    MessageDelivered(MessageDelivered),
    MessageActedOn(MessageActedOn),
}

impl DomainEvent {
    /// The EventBridge `detail-type`.
    pub fn detail_type(&self) -> &'static str {
        match self {
            DomainEvent::GenerateSegment(_) => "GenerateSegment",
            DomainEvent::MessageScheduled(_) => "MessageScheduled",
            DomainEvent::MessageDelivered(_) => "MessageDelivered",
            DomainEvent::MessageActedOn(_) => "MessageActedOn",
        }
    }

    /// The EventBridge `detail`, as JSON text.
    pub fn detail(&self) -> Result<String, serde_json::Error> {
        match self {
            DomainEvent::GenerateSegment(e) => serde_json::to_string(e),
            DomainEvent::MessageScheduled(e) => serde_json::to_string(e),
            DomainEvent::MessageDelivered(e) => serde_json::to_string(e),
            DomainEvent::MessageActedOn(e) => serde_json::to_string(e),
        }
    }
}

/// One logged activity, as the app's backend reports it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ActivityEvent {
    pub activity_id: String,
    pub user_id: String,
    /// The user's value (a Tug "value" such as health or family) the activity served.
    pub value_id: String,
    /// The value's display name, for messages (`{value}`); the id is used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_name: Option<String>,
    pub minutes: u32,
    pub occurred_at: DateTime<Utc>,
}
