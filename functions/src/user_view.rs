//! Reads shared by the summary, insights and generate functions: the caller's profile and
//! retained messages, fetched concurrently (one Query each).

use coaching::aws::dynamo::messages::MAX_MESSAGES_READ;
use coaching::aws::dynamo::Profile;
use coaching::domain::messages::Message;
use coaching::domain::user::UserId;
use coaching::edge::http::Problem;

use crate::respond::internal;
use crate::Stores;

/// The caller's profile partition and up to [`MAX_MESSAGES_READ`] retained messages, oldest first.
pub async fn profile_and_messages(
    stores: &Stores,
    user: &UserId,
) -> Result<(Profile, Vec<Message>), Problem> {
    let (profile, messages) = tokio::join!(
        stores.profiles.profile(user),
        stores.messages.recent(user, None, MAX_MESSAGES_READ)
    );
    Ok((
        profile.map_err(internal("reading the profile"))?,
        messages.map_err(internal("reading messages"))?,
    ))
}
