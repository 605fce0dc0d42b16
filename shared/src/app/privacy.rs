//! A user's rights over their data: the export of everything stored about them (GDPR
//! Art. 20) and erasure (Art. 17).
//!
//! Erasure order: the tombstone first (`aws::dynamo` erasures: every writer checks it after
//! writing and undoes what work begun before the erasure wrote), then endpoints (no more
//! pushes), then messages (pending ones included, so
//! nothing more is sent), then the profile that lists the devices, so a failure part-way
//! leaves what a retry needs to finish; a second erasure finds nothing. Per-variant and daily
//! counters are aggregates with no user in them and stay.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::{AppError, Stores};
use crate::aws::dynamo::VersionedPreferences;
use crate::aws::sns::Push;
use crate::domain::devices::Device;
use crate::domain::messages::{Feedback, Message};
use crate::domain::user::UserId;
use crate::engine::summary::BehaviourSummary;

/// One interaction, listed on its own in the export.
#[derive(Serialize, Debug)]
pub struct InteractionRecord {
    pub message_id: String,
    pub action: &'static str,
    pub at: DateTime<Utc>,
}

/// One feedback, listed on its own in the export.
#[derive(Serialize, Debug)]
pub struct FeedbackRecord {
    pub message_id: String,
    #[serde(flatten)]
    pub feedback: Feedback,
}

/// Everything stored about a user.
#[derive(Serialize, Debug)]
pub struct Export {
    pub user_id: String,
    pub exported_at: DateTime<Utc>,
    pub preferences: VersionedPreferences,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behaviour_summary: Option<BehaviourSummary>,
    pub devices: Vec<Device>,
    pub messages: Vec<Message>,
    pub interactions: Vec<InteractionRecord>,
    pub feedback: Vec<FeedbackRecord>,
}

/// The user's export as of `now`.
pub async fn export(
    stores: &Stores,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Export, AppError> {
    let (profile, messages) = tokio::try_join!(
        stores.profiles.profile(user),
        stores.messages.recent(user, None, usize::MAX)
    )?;
    let mut interactions = Vec::new();
    for m in &messages {
        for (action, at) in [
            ("read", m.read_at),
            ("opened", m.opened_at),
            ("acted", m.acted_at),
            ("dismissed", m.dismissed_at),
        ] {
            if let Some(at) = at {
                interactions.push(InteractionRecord {
                    message_id: m.id.clone(),
                    action,
                    at,
                });
            }
        }
    }
    let feedback = messages
        .iter()
        .filter_map(|m| {
            m.feedback.clone().map(|feedback| FeedbackRecord {
                message_id: m.id.clone(),
                feedback,
            })
        })
        .collect();
    Ok(Export {
        user_id: user.as_str().to_owned(),
        exported_at: now,
        preferences: profile.preferences,
        behaviour_summary: profile.summary.map(|s| s.summary),
        devices: profile.devices,
        messages,
        interactions,
        feedback,
    })
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub devices: usize,
    pub messages: usize,
    pub profile_items: usize,
}

/// Erases the user at `now`: tombstone, endpoints, messages, profile (but its rate-limit
/// windows, so an erasure does not reset them).
pub async fn erase(
    stores: &Stores,
    push: &Push,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Erased, AppError> {
    stores.profiles.mark_erased(user, now).await?;
    let profile = stores.profiles.profile(user).await?;
    for device in &profile.devices {
        push.delete_endpoint(user, &device.endpoint_arn).await?;
    }
    let messages = stores.messages.delete_all(user).await?;
    let profile_items = stores.profiles.delete_all(user).await?;
    Ok(Erased {
        devices: profile.devices.len(),
        messages,
        profile_items,
    })
}
