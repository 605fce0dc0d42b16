//! What the app shows the user about their coaching: the summary (`GET /coaching/summary`)
//! and the insights (`GET /coaching/insights`), each from one read of the profile and one of
//! the retained messages, fetched concurrently.

use chrono::{DateTime, Utc};

use crate::app::Stores;
use crate::aws::dynamo::messages::MAX_MESSAGES_READ;
use crate::aws::dynamo::{Profile, StoreError};
use crate::domain::messages::Message;
use crate::domain::user::UserId;
use crate::engine::state::Population;
use crate::views::summary::{insights, summarise, Insights, MessageSummary};

/// The user's profile partition and up to [`MAX_MESSAGES_READ`] retained messages, oldest
/// first.
async fn profile_and_messages(
    stores: &Stores,
    user: &UserId,
) -> Result<(Profile, Vec<Message>), StoreError> {
    tokio::try_join!(
        stores.profiles.profile(user),
        stores.messages.recent(user, None, MAX_MESSAGES_READ)
    )
}

/// Counts by status and type, rates, unread, streaks and the next scheduled message.
pub async fn summary(
    stores: &Stores,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<MessageSummary, StoreError> {
    let (profile, messages) = profile_and_messages(stores, user).await?;
    let summary = profile.summary.map(|s| s.summary).unwrap_or_default();
    Ok(summarise(
        &messages,
        &summary,
        &profile.preferences.preferences,
        now,
    ))
}

/// Segment, habit strength, streak risk, best hours and what worked for the user.
pub async fn user_insights(
    stores: &Stores,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Insights, StoreError> {
    let (profile, messages) = profile_and_messages(stores, user).await?;
    let summary = profile.summary.map(|s| s.summary).unwrap_or_default();
    Ok(insights(
        &messages,
        &summary,
        &profile.preferences.preferences,
        &Population::default(),
        now,
    ))
}
