//! The profiles table: each user's preference document, versioned for optimistic concurrency.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::Serialize;

use super::batch::{delete_keys, partition_keys, Item};
use super::{user_pk, StoreError};
use crate::domain::devices::Device;
use crate::domain::preferences::Preferences;
use crate::domain::user::UserId;
use crate::engine::history::HistoryEntry;
use crate::engine::summary::BehaviourSummary;

const SK_PREFERENCES: &str = "PREFERENCES";
const SK_SUMMARY: &str = "SUMMARY";
/// Sort-key prefix of device items.
pub(super) const DEVICE_PREFIX: &str = "DEVICE#";
/// Sort key prefix of rate-limit windows.
pub(super) const RATE_PREFIX: &str = "RATE#";

/// A behaviour summary with its version (for conditional writes by the activity consumer).
#[derive(Clone, Debug, PartialEq)]
pub struct VersionedSummary {
    pub version: u64,
    pub summary: BehaviourSummary,
}

/// Everything stored in a user's profile partition, read with one Query.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub preferences: VersionedPreferences,
    /// `None` until the first activity is counted.
    pub summary: Option<VersionedSummary>,
    pub devices: Vec<Device>,
    /// The message ledger (see [`ledger`](super::ledger)), in history order; `None` until
    /// the user's ledger is complete (the history must then be read from the messages).
    pub ledger: Option<Vec<HistoryEntry>>,
    /// Whether a ledger item read was partial (skipped: see [`ledger`](super::ledger)), so
    /// the ledger may lack a message for now.
    pub ledger_partial: bool,
}

/// A preference document with its version (0: never written, defaults) and last write time.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct VersionedPreferences {
    pub version: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub preferences: Preferences,
}

impl Profile {
    /// A profile with nothing stored yet: default preferences, no summary, no devices.
    pub fn empty() -> Self {
        Profile {
            preferences: VersionedPreferences::initial(),
            summary: None,
            devices: Vec::new(),
            ledger: None,
            ledger_partial: false,
        }
    }
}

/// A profile being read item by item (a partition Query or a scan page).
pub(super) struct ProfileReader {
    profile: Profile,
    entries: Vec<HistoryEntry>,
    complete: bool,
}

impl ProfileReader {
    pub(super) fn new() -> Self {
        ProfileReader {
            profile: Profile::empty(),
            entries: Vec::new(),
            complete: false,
        }
    }

    /// Takes in one item of the partition (rate-limit items and unknown kinds are ignored).
    pub(super) fn absorb(&mut self, item: Item) -> Result<(), StoreError> {
        let sk = item
            .get("sk")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        if sk == SK_PREFERENCES {
            self.profile.preferences = decode(&item)?;
        } else if sk == SK_SUMMARY {
            self.profile.summary = Some(decode_summary(&item)?);
        } else if sk.starts_with(DEVICE_PREFIX) {
            self.profile
                .devices
                .push(serde_dynamo::from_item(item).map_err(StoreError::corrupt("profile item"))?);
        } else if sk.starts_with(super::ledger::LEDGER_PREFIX) {
            match super::ledger::decode(item)? {
                Some(entry) => self.entries.push(entry),
                None => self.profile.ledger_partial = true,
            }
        } else if sk == super::ledger::LEDGER_MARKER {
            self.complete = true;
        }
        Ok(())
    }

    /// The profile read, with its ledger if the marker said it is complete.
    pub(super) fn finish(self) -> Profile {
        let mut profile = self.profile;
        if self.complete {
            let mut entries = self.entries;
            super::ledger::in_history_order(&mut entries);
            profile.ledger = Some(entries);
        }
        profile
    }
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

    fn key(user: &UserId) -> Item {
        Self::item_key(user, SK_PREFERENCES)
    }

    pub(super) fn item_key(user: &UserId, sk: &str) -> Item {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(user_pk(user))),
            ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
        ])
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn table(&self) -> &str {
        &self.table
    }

    /// The user's preferences (defaults at version 0 if none), behaviour summary and devices,
    /// from one strongly consistent, paginated Query of their partition that stops before
    /// the message ledger (`ledger` is `None`).
    pub async fn profile(&self, user: &UserId) -> Result<Profile, StoreError> {
        self.read_profile(user, false).await
    }

    /// [`profile`](Self::profile) with the message ledger, if it is complete.
    pub async fn profile_with_ledger(&self, user: &UserId) -> Result<Profile, StoreError> {
        self.read_profile(user, true).await
    }

    async fn read_profile(&self, user: &UserId, ledger: bool) -> Result<Profile, StoreError> {
        let mut profile = ProfileReader::new();
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":pk", AttributeValue::S(user_pk(user)))
            .consistent_read(true);
        query = if ledger {
            query.key_condition_expression("pk = :pk")
        } else {
            query
                .key_condition_expression("pk = :pk AND sk < :ledger")
                .expression_attribute_values(
                    ":ledger",
                    AttributeValue::S(super::ledger::LEDGER_FIRST.to_owned()),
                )
        };
        let mut items = query.into_paginator().items().send();
        while let Some(item) = items.next().await {
            profile.absorb(item.map_err(StoreError::dynamo)?)?;
        }
        Ok(profile.finish())
    }

    /// Replaces the behaviour summary if its stored version is `expected` (0: none yet).
    /// Returns false, writing nothing, when another writer got there first.
    pub async fn put_summary(
        &self,
        user: &UserId,
        summary: &BehaviourSummary,
        expected: u64,
    ) -> Result<bool, StoreError> {
        let mut item = Self::item_key(user, SK_SUMMARY);
        item.insert(
            "version".into(),
            AttributeValue::N((expected + 1).to_string()),
        );
        item.insert(
            "summary".into(),
            serde_dynamo::to_attribute_value(summary)
                .map_err(StoreError::corrupt("profile item"))?,
        );
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let put = if expected == 0 {
            put.condition_expression("attribute_not_exists(pk)")
        } else {
            put.condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        };
        Ok(super::written(put.send().await)?.is_some())
    }

    /// Deletes the user's behaviour summary (undoing a write an erasure overtook).
    pub async fn delete_summary(&self, user: &UserId) -> Result<(), StoreError> {
        delete_keys(
            &self.client,
            &self.table,
            vec![Self::item_key(user, SK_SUMMARY)],
        )
        .await
    }

    /// Deletes the user's preference document (undoing a write an erasure overtook).
    pub async fn delete_preferences(&self, user: &UserId) -> Result<(), StoreError> {
        delete_keys(&self.client, &self.table, vec![Self::key(user)]).await
    }

    /// Deletes every item of the user's profile partition but the rate-limit windows (a
    /// counter and a TTL each, gone within the hour; kept so that an erasure does not reset the
    /// user's limits). Harmless to repeat.
    pub async fn delete_all(&self, user: &UserId) -> Result<usize, StoreError> {
        let keys: Vec<Item> = partition_keys(&self.client, &self.table, &user_pk(user))
            .await?
            .into_iter()
            .filter(|k| {
                !k.get("sk")
                    .and_then(|s| s.as_s().ok())
                    .is_some_and(|s| s.starts_with(RATE_PREFIX))
            })
            .collect();
        let n = keys.len();
        delete_keys(&self.client, &self.table, keys).await?;
        Ok(n)
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
            .map_err(StoreError::corrupt("profile item"))?;
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

fn decode_summary(item: &Item) -> Result<VersionedSummary, StoreError> {
    let version = version_of(item)?;
    let doc = item
        .get("summary")
        .cloned()
        .ok_or_else(|| StoreError::missing("summary item without a summary"))?;
    let summary =
        serde_dynamo::from_attribute_value(doc).map_err(StoreError::corrupt("profile item"))?;
    Ok(VersionedSummary { version, summary })
}

fn version_of(item: &HashMap<String, AttributeValue>) -> Result<u64, StoreError> {
    item.get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| StoreError::missing("profile item without a version"))
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
        .ok_or_else(|| StoreError::missing("preferences item without a document"))?;
    let preferences =
        serde_dynamo::from_attribute_value(doc).map_err(StoreError::corrupt("profile item"))?;
    Ok(VersionedPreferences {
        version,
        updated_at,
        preferences,
    })
}
