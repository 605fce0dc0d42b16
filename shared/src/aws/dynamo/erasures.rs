//! Erasure tombstones in the profiles table, written before anything of the user is deleted:
//!
//! | item | `pk` | `sk` | attributes |
//! |---|---|---|---|
//! | tombstone | `ERASED#<SHA-256 of the user id, hex>` | `ERASED` | `erased_at` (epoch ms), TTL `expires_at` |
//!
//! It holds no personal data (the key is a one-way hash; DynamoDB removes it after
//! [`TOMBSTONE_DAYS`]). Every writer of a user's items reads it (strongly consistent) after its
//! last write and undoes its writes when `engine::retention::survives_erasure` says so: the
//! tombstone is written before the erasure's deletes begin, so a write that landed before the
//! tombstone is deleted by the erasure, and one that landed after it sees the tombstone.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::batch::{get_all, pk_sk, Item};
use super::profiles::ProfileStore;
use super::StoreError;
use crate::domain::user::UserId;
use crate::engine::retention::TOMBSTONE_DAYS;

const SK: &str = "ERASED";

fn tombstone_key(user: &UserId) -> Item {
    let hash = Sha256::digest(user.as_str().as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    pk_sk(format!("ERASED#{hex}"), SK)
}

fn erased_at(item: &Item) -> Option<DateTime<Utc>> {
    let ms = item.get("erased_at")?.as_n().ok()?.parse().ok()?;
    DateTime::from_timestamp_millis(ms)
}

impl ProfileStore {
    /// Writes (or moves later) the user's tombstone: erased at `at`.
    pub async fn mark_erased(&self, user: &UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut item = tombstone_key(user);
        item.insert(
            "erased_at".into(),
            AttributeValue::N(at.timestamp_millis().to_string()),
        );
        item.insert(
            "expires_at".into(),
            AttributeValue::N(
                (at + Duration::days(TOMBSTONE_DAYS))
                    .timestamp()
                    .to_string(),
            ),
        );
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(())
    }

    /// When the user was last erased (within [`TOMBSTONE_DAYS`]), read strongly consistent.
    pub async fn erased_at(&self, user: &UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(tombstone_key(user)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(out.item.as_ref().and_then(erased_at))
    }

    /// When each of `users` was last erased, for those erased (one strongly consistent
    /// BatchGetItem per 100).
    pub async fn erased_at_of(
        &self,
        users: &[UserId],
    ) -> Result<HashMap<UserId, DateTime<Utc>>, StoreError> {
        let by_pk: HashMap<String, UserId> = users
            .iter()
            .filter_map(|u| {
                let pk = tombstone_key(u).get("pk")?.as_s().ok()?.clone();
                Some((pk, u.clone()))
            })
            .collect();
        let keys: Vec<Item> = users.iter().map(tombstone_key).collect();
        let found = get_all(self.client(), self.table(), keys, None).await?;
        Ok(found
            .iter()
            .filter_map(|item| {
                let user = by_pk.get(item.get("pk")?.as_s().ok()?)?;
                Some((user.clone(), erased_at(item)?))
            })
            .collect())
    }
}
