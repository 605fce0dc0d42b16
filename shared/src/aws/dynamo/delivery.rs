//! Delivery's reads and writes of messages. A scheduled message carries `due_shard = DUE#nn`
//! and `due_at` (send time # id) in the sparse `Due` index. Claiming moves it to
//! `LEASE#nn` with `due_at` = lease end, so the deliverer (which reads only `DUE#` shards)
//! never sees it again, and the health job finds claims whose lease ended (stuck) without a
//! scan. Sending, failing or dropping removes both attributes: the message leaves the index.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};

use super::messages::{due_shard, millis, variant_key, MessageStore, DUE_INDEX, DUE_SHARDS};
use super::{ledger, StoreError};
use crate::domain::messages::MessageStatus;
use crate::domain::messages::{Delivery, Message};
use crate::domain::user::UserId;

/// A message's key in the due index: its user and id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DueKey {
    pub user: UserId,
    pub id: String,
}

/// The lease shard of a message (same number as its due shard).
fn lease_shard(id: &str) -> String {
    due_shard(id).replacen("DUE#", "LEASE#", 1)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

impl MessageStore {
    async fn index_keys(
        &self,
        shard: String,
        until: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<DueKey>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(DUE_INDEX)
            .key_condition_expression("due_shard = :s AND due_at <= :t")
            .expression_attribute_values(":s", s(shard))
            // `~` sorts after every id character, so every message of that millisecond counts.
            .expression_attribute_values(":t", s(format!("{}#~", millis(until))))
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|i| {
                let user = i.get("pk")?.as_s().ok()?.strip_prefix("USER#")?;
                let id = i.get("sk")?.as_s().ok()?.strip_prefix("MSG#")?;
                Some(DueKey {
                    user: UserId::parse(user).ok()?,
                    id: id.to_owned(),
                })
            })
            .collect())
    }

    /// Up to `limit` scheduled messages of due shard `shard` whose send time is not after `now`.
    pub async fn due(
        &self,
        shard: u64,
        now: DateTime<Utc>,
        limit: i32,
    ) -> Result<Vec<DueKey>, StoreError> {
        self.index_keys(format!("DUE#{shard:02}"), now, limit).await
    }

    /// How many scheduled messages are due by `until`, over every shard (counting at most
    /// `cap` per shard).
    pub async fn count_due(&self, until: DateTime<Utc>, cap: i32) -> Result<u64, StoreError> {
        let mut n = 0;
        for shard in 0..DUE_SHARDS {
            n += self.due(shard, until, cap).await?.len() as u64;
        }
        Ok(n)
    }

    /// Claimed messages whose lease ended before `now` (a deliverer died after claiming).
    pub async fn stuck(&self, now: DateTime<Utc>, cap: i32) -> Result<Vec<DueKey>, StoreError> {
        let mut out = Vec::new();
        for shard in 0..DUE_SHARDS {
            out.extend(
                self.index_keys(format!("LEASE#{shard:02}"), now, cap)
                    .await?,
            );
        }
        Ok(out)
    }

    /// Claims a scheduled message for sending until `now + lease_secs`: one conditional update
    /// (scheduled → sending, moved to the lease shard). Of two deliverers exactly one gets
    /// the message; the other gets `None`. The claimed message is returned as stored.
    pub async fn claim(
        &self,
        user: &UserId,
        id: &str,
        now: DateTime<Utc>,
        lease_secs: i64,
    ) -> Result<Option<Message>, StoreError> {
        let until = now + Duration::seconds(lease_secs);
        let res = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key(user, id)))
            .update_expression(
                "SET #st = :sending, due_shard = :ls, due_at = :lu, claimed_at = :now",
            )
            .condition_expression("#st = :scheduled AND begins_with(due_shard, :due)")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":sending", s(MessageStatus::Sending.as_ref()))
            .expression_attribute_values(":scheduled", s(MessageStatus::Scheduled.as_ref()))
            .expression_attribute_values(":ls", s(lease_shard(id)))
            .expression_attribute_values(":lu", s(format!("{}#{id}", millis(until))))
            .expression_attribute_values(":now", s(millis(now)))
            .expression_attribute_values(":due", s("DUE#"))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        super::written(res)?
            .and_then(|out| out.attributes)
            .map(|a| serde_dynamo::from_item(a).map_err(StoreError::corrupt("message")))
            .transpose()
    }

    /// Puts a claimed message back in the due index at `until` after `attempts` pushes the
    /// service could not take (or, with `attempts` unchanged, after a claim that never
    /// pushed). Conditioned on it still being `sending` with no push noted; false if not.
    pub async fn release_claim(
        &self,
        user: &UserId,
        id: &str,
        until: DateTime<Utc>,
        attempts: u32,
    ) -> Result<bool, StoreError> {
        let res = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key(user, id)))
            .update_expression(
                "SET #st = :scheduled, due_shard = :ds, due_at = :k, push_attempts = :n \
                 REMOVE claimed_at, pushed_ids",
            )
            .condition_expression("#st = :sending AND attribute_not_exists(pushed_ids)")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":scheduled", s(MessageStatus::Scheduled.as_ref()))
            .expression_attribute_values(":sending", s(MessageStatus::Sending.as_ref()))
            .expression_attribute_values(":ds", s(due_shard(id)))
            .expression_attribute_values(":k", s(format!("{}#{id}", millis(until))))
            .expression_attribute_values(":n", AttributeValue::N(attempts.to_string()))
            .send()
            .await;
        Ok(super::written(res)?.is_some())
    }

    /// Records a push SNS took for a claimed message, before the delivery's end is recorded:
    /// a claim found stuck later with a push recorded was sent and is not sent again.
    pub async fn note_push(
        &self,
        user: &UserId,
        id: &str,
        sns_message_id: &str,
    ) -> Result<(), StoreError> {
        let res = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::key(user, id)))
            .update_expression(
                "SET pushed_ids = list_append(if_not_exists(pushed_ids, :none), :one)",
            )
            .condition_expression("#st = :sending")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":sending", s(MessageStatus::Sending.as_ref()))
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
            .expression_attribute_values(
                ":one",
                AttributeValue::L(vec![s(sns_message_id.to_owned())]),
            )
            .send()
            .await;
        super::written(res)?;
        Ok(())
    }

    /// The pushes recorded for a claimed message (see [`MessageStore::note_push`]).
    pub async fn pushed_ids(&self, user: &UserId, id: &str) -> Result<Vec<String>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(Self::key(user, id)))
            .projection_expression("pushed_ids")
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(out
            .item
            .and_then(|mut i| i.remove("pushed_ids"))
            .and_then(|l| l.as_l().ok().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_s().ok().cloned())
            .collect())
    }

    /// Moves a still-scheduled message to `until` (quiet hours began since it was planned).
    /// False if it is no longer scheduled.
    pub async fn reschedule(
        &self,
        user: &UserId,
        m: &Message,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut moved = m.clone();
        moved.send_at = until;
        let key = format!("{}#{}", millis(until), m.id);
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key(user, &m.id)))
            .update_expression("SET send_at = :t, ts = :k, due_at = :k, retain_until = :ru")
            .condition_expression("#st = :scheduled AND begins_with(due_shard, :due)")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":scheduled", s(MessageStatus::Scheduled.as_ref()))
            .expression_attribute_values(":due", s("DUE#"))
            .expression_attribute_values(":t", s(millis(until)))
            .expression_attribute_values(":k", s(key))
            .expression_attribute_values(
                ":ru",
                AttributeValue::N(moved.retain_until().timestamp().to_string()),
            )
            .build()
            .map_err(StoreError::dynamo)?;
        let ledger = self.ledger_change(
            user,
            &moved,
            &ledger::Change {
                send_at: Some(until),
                ..ledger::Change::default()
            },
        )?;
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            ledger,
        ])
        .await
    }

    /// Records that the user did the habit at `at`, within the reward window of delivered
    /// message `m`, and counts it in the day's `rewarded` counters in the same transaction.
    /// Idempotent: conditioned on the message being delivered and not yet rewarded, so a
    /// redelivered activity or a second activity changes nothing; false then.
    pub async fn mark_rewarded(
        &self,
        user: &UserId,
        m: &Message,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key(user, &m.id)))
            .update_expression("SET rewarded_at = :at")
            .condition_expression(
                "attribute_exists(delivered_at) AND attribute_not_exists(rewarded_at)",
            )
            .expression_attribute_values(":at", s(millis(at)))
            .build()
            .map_err(StoreError::dynamo)?;
        let mut rewarded = m.clone();
        rewarded.rewarded_at = Some(at);
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.ledger_change(
                user,
                &rewarded,
                &ledger::Change {
                    rewarded: true,
                    ..ledger::Change::default()
                },
            )?,
        ];
        items.extend(self.counter_items(m, &[("rewarded", 1)])?);
        self.transact(items).await
    }

    /// Marks a still-scheduled message expired without sending it (`reason` says why), and
    /// counts it in the day's `expired` counters in the same transaction.
    pub async fn drop_unsent(
        &self,
        user: &UserId,
        m: &Message,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let delivery = Delivery {
            failure: Some(reason.to_owned()),
            ..Delivery::default()
        };
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key(user, &m.id)))
            .update_expression("SET #st = :expired, delivery = :d REMOVE due_shard, due_at")
            .condition_expression("#st = :scheduled")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":expired", s(MessageStatus::Expired.as_ref()))
            .expression_attribute_values(":scheduled", s(MessageStatus::Scheduled.as_ref()))
            .expression_attribute_values(
                ":d",
                serde_dynamo::to_attribute_value(&delivery)
                    .map_err(StoreError::corrupt("message"))?,
            )
            .build()
            .map_err(StoreError::dynamo)?;
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.ledger_change(
                user,
                m,
                &ledger::Change {
                    status: Some(MessageStatus::Expired),
                    ..ledger::Change::default()
                },
            )?,
        ];
        // Dropped as no longer relevant is counted apart from expired and opted out.
        let counter = if reason == crate::engine::delivery::NO_LONGER_RELEVANT {
            "irrelevant"
        } else {
            "expired"
        };
        items.extend(self.counter_items(m, &[(counter, 1)])?);
        self.transact(items).await
    }

    /// Runs a transaction; false when a condition failed (nothing was written).
    pub(super) async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<bool, StoreError> {
        match self
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(
                    e.err(),
                    TransactWriteItemsError::TransactionCanceledException(c)
                        if c.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed"))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(StoreError::dynamo(e)),
        }
    }

    /// Records the end of a claimed message's delivery: `sent` (with the variant's `sent`
    /// counter added in the same transaction, so it moves exactly once) or `failed`.
    /// Conditioned on the message still being `sending`; false if it is not.
    pub async fn finish_delivery(
        &self,
        user: &UserId,
        m: &Message,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sent = delivery.devices > 0;
        let status = if sent {
            MessageStatus::Sent
        } else {
            MessageStatus::Failed
        };
        let mut values = HashMap::from([
            (":to".to_owned(), s(status.as_ref())),
            (":sending".to_owned(), s(MessageStatus::Sending.as_ref())),
            (
                ":d".to_owned(),
                serde_dynamo::to_attribute_value(delivery)
                    .map_err(StoreError::corrupt("message"))?,
            ),
        ]);
        let mut set = "SET #st = :to, delivery = :d".to_owned();
        if sent {
            set.push_str(", delivered_at = :now");
            values.insert(":now".to_owned(), s(millis(now)));
        }
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key(user, &m.id)))
            .update_expression(format!("{set} REMOVE due_shard, due_at, pushed_ids"))
            .condition_expression("#st = :sending")
            .expression_attribute_names("#st", "status")
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(StoreError::dynamo)?;
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.ledger_change(
                user,
                m,
                &ledger::Change {
                    status: Some(status),
                    // The same instant as the message's `delivered_at` (both to the millisecond).
                    delivered_at: sent.then_some(now),
                    ..ledger::Change::default()
                },
            )?,
        ];
        if sent {
            let counter = Update::builder()
                .table_name(self.stats_table())
                .set_key(Some(variant_key(&m.template_id, &m.variant_id)))
                .update_expression("SET template_id = :t, variant_id = :v ADD sent :one")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":t", s(m.template_id.clone()))
                .expression_attribute_values(":v", s(m.variant_id.clone()))
                .build()
                .map_err(StoreError::dynamo)?;
            items.push(TransactWriteItem::builder().update(counter).build());
        }
        let counted = if sent { "sent" } else { "failed" };
        items.extend(self.counter_items(m, &[(counted, 1)])?);
        self.transact(items).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_shard_mirrors_the_due_shard() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            lease_shard(id).trim_start_matches("LEASE#"),
            due_shard(id).trim_start_matches("DUE#")
        );
    }
}
