//! DynamoDB adapters: the only code in this crate that calls the AWS SDK.
//!
//! # Tables and access patterns
//! Key attributes are `pk` (partition) and `sk` (sort), both strings; schemas live only in
//! `template.yaml`. Optional attributes are omitted, never written as NULL.
//!
//! **Profiles** (`PROFILES_TABLE`): one partition per user, `pk = USER#<sub>`.
//! | item | `sk` | access |
//! |---|---|---|
//! | preferences | `PREFERENCES` | GetItem by user; conditional PutItem on `version` |
//!
//! Later items of the same partition (behaviour summary, devices, learned timing) read together
//! with one Query on `pk`, and erasure deletes the whole partition.

mod profiles;

pub use profiles::{PreferencesWrite, ProfileStore, VersionedPreferences};

/// A storage failure. Callers log it and answer 500; its text never reaches a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("dynamodb: {0}")]
    Dynamo(String),
    #[error("stored item is unreadable: {0}")]
    Corrupt(String),
}

impl StoreError {
    fn dynamo(e: impl std::error::Error) -> Self {
        // The SDK's Display is terse; the Debug form carries the service's error code.
        StoreError::Dynamo(format!("{e:?}"))
    }
}

/// The partition key of a user's items.
pub fn user_pk(user: &crate::user::UserId) -> String {
    format!("USER#{}", user.as_str())
}
