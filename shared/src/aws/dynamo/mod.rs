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
//! | behaviour summary | `SUMMARY` | conditional PutItem on `version` (activity consumer) |
//! | device | `DEVICE#<deviceId>` | GetItem, PutItem, DeleteItem |
//! | rate-limit window | `RATE#<name>#<start>` | conditional UpdateItem ADD (TTL `expires_at`); outlives an erasure |
//! | message ledger entry | `~LEDGER#<message id>` (sorts last: profile reads stop before it) | UpdateItem in each transaction that changes what the engine reads of the message (TTL `expires_at` = the message's); see [`ledger`] |
//! | ledger marker | `~LEDGER` | the ledger is complete; written by generation after it wrote the ledger from the user's messages |
//! | erasure tombstone | `pk = ERASED#<hash>`, `sk = ERASED` | PutItem first in an erasure; GetItem / BatchGetItem after every write (see `erasures.rs`) |
//!
//! The profile (preferences, summary, devices) is read with one Query on `pk` that stops before
//! the ledger (`sk < "~"`); export
//! reads it, erasure deletes it. Generation workers read whole partitions with a parallel Scan
//! of their segment (the only Scan besides cleanup).
//!
//! **Messages** (`MESSAGES_TABLE`): `pk = USER#<sub>`, `sk = MSG#<id>`, id = hash of (user,
//! trigger occurrence). TTL `retain_until`.
//! | access | how |
//! |---|---|
//! | create a planned message | TransactWriteItems: PutItem `attribute_not_exists(pk)` (idempotent per occurrence) + ledger entry |
//! | one message of the user | GetItem (another user's id is not in their partition) |
//! | list newest first, filtered | Query LSI `ByTime` (`pk`, `ts` = send time # id), descending |
//! | recent history / summary / insights | Query `ByTime` with `ts >= since` |
//! | interaction | TransactWriteItems: conditional UpdateItem + variant counter ADD |
//! | feedback | UpdateItem `attribute_exists(pk)` |
//! | due messages (delivery) | Query sparse GSI `Due` (`due_shard` = DUE#00–15, `due_at`) |
//! | claim for sending | UpdateItem scheduled → sending, moved to `LEASE#nn` (see `delivery`) |
//! | stuck claims (health) | Query `Due` on `LEASE#00–15` with `due_at` before now |
//! | record the send | TransactWriteItems: sending → sent/failed + variant `sent` ADD |
//! | erase a user | Query keys + BatchWriteItem deletes |
//! | generation: which planned ids exist | BatchGetItem |
//! | generation: store new messages | BatchWriteItem under the segment's lease |
//!
//! **Statistics** (`STATS_TABLE`): per-variant counters `pk = VARIANT#<template>`,
//! `sk = <variant>` (`sent`, `read`, `acted`, `dismissed`, ADD only), read with BatchGetItem.
//! **Templates** (`TEMPLATES_TABLE`): [`templates`].
//!
//! `MessageStore` writes the statistics table's counters as well as messages: a counter moves
//! in the same transaction as the message write it counts, so the two cannot part.
//!
//! Leases and generation-run records: [`jobs`]. Daily analytics counters and reports: [`daily`].
//! The learners' fitted model, versioned: [`model`]. Experiments and their counts: `experiments.rs`.

use super::{operation_of, Cause};

pub mod batch;
pub mod cleanup;
pub mod daily;
mod delivery;
mod devices;
mod erasures;
mod experiments;
pub mod jobs;
mod ledger;
pub mod messages;
pub mod model;
mod profiles;
mod rates;
mod scan;
pub mod templates;

pub use delivery::DueKey;
pub use jobs::{JobStore, RunStatus, SegmentCounts};
pub use messages::{Created, ListFilter, MessageStore, Page, Position};
pub use profiles::{
    PreferencesWrite, Profile, ProfileStore, VersionedPreferences, VersionedSummary,
};
pub use scan::ProfilePage;
pub use templates::{Seeded, StoredTemplate, TemplateStore};

/// A storage failure. Callers log it (with its source) and answer 500; its text never reaches
/// a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A DynamoDB call failed; `op` names it.
    #[error("DynamoDB {op} failed")]
    Dynamo {
        op: &'static str,
        #[source]
        source: Cause,
    },
    /// A batch call still left part of its work undone after every attempt.
    #[error("DynamoDB {op} left {left} items unprocessed after {attempts} attempts")]
    Unprocessed {
        op: &'static str,
        left: usize,
        attempts: u32,
    },
    /// A stored item could not be read (or a value could not be written) as its type.
    #[error("stored {what} is unreadable")]
    Corrupt {
        what: &'static str,
        #[source]
        source: Option<Cause>,
    },
}

impl StoreError {
    /// A failed SDK call (or request build), named by its operation.
    pub(crate) fn dynamo<E: std::error::Error + Send + Sync + 'static>(e: E) -> Self {
        StoreError::Dynamo {
            op: operation_of::<E>(),
            source: Box::new(e),
        }
    }

    /// A (de)serialisation failure of a `what`.
    pub(crate) fn corrupt<E: std::error::Error + Send + Sync + 'static>(
        what: &'static str,
    ) -> impl FnOnce(E) -> Self {
        move |e| StoreError::Corrupt {
            what,
            source: Some(Box::new(e)),
        }
    }

    /// A `what` lacking an attribute it must have.
    pub(crate) fn missing(what: &'static str) -> Self {
        StoreError::Corrupt { what, source: None }
    }
}

/// A conditional write's result: `Some(output)` when it was written, `None` when its
/// condition failed (nothing was written), an error otherwise.
pub(crate) fn written<O, E, R>(
    res: Result<O, aws_sdk_dynamodb::error::SdkError<E, R>>,
) -> Result<Option<O>, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    match res {
        Ok(o) => Ok(Some(o)),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(None),
        Err(e) => Err(StoreError::dynamo(e)),
    }
}

/// The partition key of a user's items.
pub fn user_pk(user: &crate::domain::user::UserId) -> String {
    format!("USER#{}", user.as_str())
}
