//! The user's preference document (`GET`/`PUT /coaching/personalization`): answered with the
//! language the coach writes in, replaced whole under optimistic concurrency (the version the
//! caller read), read-only fields accepted back only unchanged, and undone if an erasure of
//! the user overtook the write.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::aws::dynamo::{PreferencesWrite, ProfileStore, StoreError, VersionedPreferences};
use crate::domain::preferences::{FieldError, Preferences};
use crate::domain::user::UserId;
use crate::engine::catalogue::LANGUAGES;
use crate::engine::retention::survives_erasure;
use crate::engine::templates::resolve_language;

/// The document `GET` answers (and `PUT` on success): the stored preferences with their
/// version, plus what the coach derives from them.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Document {
    #[serde(flatten)]
    pub stored: VersionedPreferences,
    /// The language messages are written in: the user's tag if the built-in catalogue has
    /// it, else its primary language, else another regional form of it, else English.
    pub effective_language: String,
}

impl Document {
    /// The document of stored preferences.
    pub fn of(stored: VersionedPreferences) -> Self {
        let effective_language = effective_language(&stored.preferences.language);
        Document {
            stored,
            effective_language,
        }
    }
}

/// The built-in language messages to a user writing `tag` are written in.
pub fn effective_language(tag: &str) -> String {
    resolve_language(tag, LANGUAGES.iter().copied())
        .unwrap_or("en")
        .to_owned()
}

/// The caller's document (defaults at version 0 when they have none yet).
pub async fn current(profiles: &ProfileStore, user: &UserId) -> Result<Document, StoreError> {
    Ok(Document::of(profiles.preferences(user).await?))
}

/// What a replacement did.
#[derive(Debug, Clone, PartialEq)]
pub enum Replaced {
    Written(Document),
    /// The stored version is not the one named.
    Conflict {
        current: VersionedPreferences,
    },
    /// Read-only fields were sent back changed (nothing was written).
    ReadOnlyChanged(Vec<FieldError>),
    /// An erasure overtook the write, which was undone.
    Erased,
}

/// Replaces the user's preferences if the stored version is `expected`. Read-only fields
/// sent back (`sent_back`) are first compared with the stored document at that version
/// (one read, only when some were sent): a changed one writes nothing.
pub async fn replace(
    profiles: &ProfileStore,
    user: &UserId,
    preferences: Preferences,
    sent_back: &BTreeMap<String, serde_json::Value>,
    expected: u64,
    now: DateTime<Utc>,
) -> Result<Replaced, StoreError> {
    if !sent_back.is_empty() {
        let stored = Document::of(profiles.preferences(user).await?);
        if stored.stored.version == expected {
            let changed = changed_read_only(&stored, sent_back);
            if !changed.is_empty() {
                return Ok(Replaced::ReadOnlyChanged(changed));
            }
        }
    }
    let outcome = profiles
        .put_preferences(user, preferences, expected, now)
        .await?;
    match outcome {
        PreferencesWrite::Written(doc) => {
            if !survives_erasure(now, profiles.erased_at(user).await?) {
                profiles.delete_preferences(user).await?;
                return Ok(Replaced::Erased);
            }
            Ok(Replaced::Written(Document::of(doc)))
        }
        PreferencesWrite::Conflict { current } => Ok(Replaced::Conflict { current }),
    }
}

/// The read-only fields of `sent_back` whose value differs from `stored`'s (a field `stored`
/// does not have differs from any value).
pub fn changed_read_only(
    stored: &Document,
    sent_back: &BTreeMap<String, serde_json::Value>,
) -> Vec<FieldError> {
    let shown = serde_json::to_value(stored).unwrap_or_default();
    sent_back
        .iter()
        .filter(|(k, v)| shown.get(k.as_str()) != Some(*v))
        .map(|(k, _)| {
            FieldError::new(
                k.clone(),
                "read-only: send it back as GET answered it, or leave it out",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn effective_language_falls_back_by_primary_then_english() {
        for (tag, want) in [
            ("es-MX", "es"),
            ("pt", "pt-BR"),
            ("pt-BR", "pt-BR"),
            ("fr", "en"),
            ("en-GB", "en"),
        ] {
            assert_eq!(effective_language(tag), want, "{tag}");
        }
    }

    #[test]
    fn read_only_fields_must_come_back_unchanged() {
        let mut stored = VersionedPreferences::initial();
        stored.version = 3;
        stored.updated_at = "2026-11-26T10:00:00.123Z".parse().ok();
        stored.preferences.language = "fr".into();
        let doc = Document::of(stored);
        let same: BTreeMap<String, serde_json::Value> = [
            ("updated_at".to_owned(), json!("2026-11-26T10:00:00.123Z")),
            ("effective_language".to_owned(), json!("en")),
        ]
        .into();
        assert_eq!(changed_read_only(&doc, &same), []);
        let changed: BTreeMap<String, serde_json::Value> = [
            ("updated_at".to_owned(), json!("2026-11-27T10:00:00.123Z")),
            ("effective_language".to_owned(), json!("en")),
            ("token_name".to_owned(), json!("Ana")),
        ]
        .into();
        let fields: Vec<String> = changed_read_only(&doc, &changed)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["token_name", "updated_at"]);
    }
}
