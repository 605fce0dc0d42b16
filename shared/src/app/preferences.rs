//! The user's preference document (`PUT /coaching/personalization`): replaced whole under
//! optimistic concurrency (the version the caller read), and undone if an erasure of the user
//! overtook the write.

use chrono::{DateTime, Utc};

use crate::aws::dynamo::{PreferencesWrite, ProfileStore, StoreError};
use crate::domain::preferences::Preferences;
use crate::domain::user::UserId;
use crate::engine::retention::survives_erasure;

/// Replaces the user's preferences if the stored version is `expected`. `None`: an erasure
/// overtook the write, which was undone.
pub async fn replace(
    profiles: &ProfileStore,
    user: &UserId,
    preferences: Preferences,
    expected: u64,
    now: DateTime<Utc>,
) -> Result<Option<PreferencesWrite>, StoreError> {
    let outcome = profiles
        .put_preferences(user, preferences, expected, now)
        .await?;
    if matches!(outcome, PreferencesWrite::Written(_))
        && !survives_erasure(now, profiles.erased_at(user).await?)
    {
        profiles.delete_preferences(user).await?;
        return Ok(None);
    }
    Ok(Some(outcome))
}
