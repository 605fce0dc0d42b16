//! The profiles table: each user's preference document, versioned for optimistic concurrency.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::Serialize;

use super::{user_pk, StoreError};
use crate::preferences::Preferences;
use crate::user::UserId;

const SK_PREFERENCES: &str = "PREFERENCES";

/// A preference document with its version (0: never written, defaults) and last write time.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct VersionedPreferences {
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub preferences: Preferences,
}

impl VersionedPreferences {
    /// What a user who never wrote preferences has: the defaults at version 0.
    pub fn initial() -> Self {
        VersionedPreferences {
            version: 0,
            updated_at: None,
            preferences: Preferences::default(),
        }
    }
}

/// The outcome of a conditional preference write.
#[derive(Debug, Clone, PartialEq)]
pub enum PreferencesWrite {
    /// Written; the new document.
    Written(VersionedPreferences),
    /// The stored version was not the expected one; nothing was written. `current` is what
    /// is stored now (the defaults at version 0 when nothing is).
    Conflict { current: VersionedPreferences },
}

/// Reads and writes the profiles table.
#[derive(Clone, Debug)]
pub struct ProfileStore {
    client: Client,
    table: String,
}

impl ProfileStore {
    /// A store over `table` with a client built once at cold start.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        ProfileStore {
            client,
            table: table.into(),
        }
    }

    fn key(user: &UserId) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(user_pk(user))),
            (
                "sk".to_owned(),
                AttributeValue::S(SK_PREFERENCES.to_owned()),
            ),
        ])
    }

    /// The user's document, or the defaults at version 0 when none was written yet.
    /// One strongly consistent GetItem, so a read after a write sees it.
    pub async fn preferences(&self, user: &UserId) -> Result<VersionedPreferences, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(user)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        match out.item {
            Some(item) => decode(&item),
            None => Ok(VersionedPreferences::initial()),
        }
    }

    /// Replaces the document if the stored version is `expected` (0: none stored yet).
    ///
    /// Idempotence and concurrency: the write is one PutItem conditioned on the version, so of
    /// two devices writing from the same version exactly one wins and the other gets
    /// [`PreferencesWrite::Conflict`] with the winner's document (the failed condition's old
    /// item, so no second call). A retry of a write that already landed — the stored document
    /// is this one at `expected + 1` — is answered as [`PreferencesWrite::Written`].
    pub async fn put_preferences(
        &self,
        user: &UserId,
        preferences: Preferences,
        expected: u64,
        now: DateTime<Utc>,
    ) -> Result<PreferencesWrite, StoreError> {
        let next = expected + 1;
        // Stored at millisecond precision; answer with what a later read will see.
        let now = now.trunc_subsecs(3);
        let doc = serde_dynamo::to_attribute_value(&preferences)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut item = Self::key(user);
        item.insert("version".into(), AttributeValue::N(next.to_string()));
        item.insert(
            "updated_at".into(),
            AttributeValue::S(now.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
        item.insert("preferences".into(), doc);

        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        put = if expected == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        };
        match put.send().await {
            Ok(_) => Ok(PreferencesWrite::Written(VersionedPreferences {
                version: next,
                updated_at: Some(now),
                preferences,
            })),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    let current = match failed.item {
                        Some(old) => decode(&old)?,
                        None => VersionedPreferences::initial(),
                    };
                    // A retry of a write that already landed (same document, one version on)
                    // answers as the first call did.
                    if current.version == next && current.preferences == preferences {
                        return Ok(PreferencesWrite::Written(current));
                    }
                    Ok(PreferencesWrite::Conflict { current })
                }
                other => Err(StoreError::dynamo(other)),
            },
            Err(e) => Err(StoreError::dynamo(e)),
        }
    }
}

fn version_of(item: &HashMap<String, AttributeValue>) -> Result<u64, StoreError> {
    item.get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::Corrupt("preferences item without a version".into()))
}

fn decode(item: &HashMap<String, AttributeValue>) -> Result<VersionedPreferences, StoreError> {
    let version = version_of(item)?;
    let updated_at = item
        .get("updated_at")
        .and_then(|v| v.as_s().ok())
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let doc = item
        .get("preferences")
        .cloned()
        .ok_or_else(|| StoreError::Corrupt("preferences item without a document".into()))?;
    let preferences =
        serde_dynamo::from_attribute_value(doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(VersionedPreferences {
        version,
        updated_at,
        preferences,
    })
}
