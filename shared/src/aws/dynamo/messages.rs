//! The messages table: each user's messages, their interactions and feedback, and the
//! per-variant counters interactions add to (statistics table).

use std::collections::HashMap;

use futures::stream::{self, StreamExt, TryStreamExt};

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};

use super::batch::{
    delete_keys, get_all, partition_keys, put_request, write_all, Item, BATCHES_IN_FLIGHT,
    BATCH_ATTEMPTS,
};
use super::{ledger, user_pk, StoreError};
use crate::domain::messages::MessageStatus;
use crate::domain::messages::{Feedback, InteractionChange, Message, Stamp};
use crate::domain::preferences::MessageType;
use crate::domain::user::UserId;
use crate::engine::rng::stable_hash;
use crate::engine::templates::{StatsMap, VariantStats};

/// The local index of a user's messages by send time.
pub const BY_TIME_INDEX: &str = "ByTime";
/// The sparse global index of scheduled messages by due time.
pub const DUE_INDEX: &str = "Due";
/// Partitions of the due index (spreads delivery's reads and writes).
pub const DUE_SHARDS: u64 = 16;
/// Ledger updates per transaction (of DynamoDB's 100).
pub const LEDGER_TRANSACTION: usize = 25;
/// Most messages read for a summary, insights or a generation's history.
pub const MAX_MESSAGES_READ: usize = 2_000;

/// The sort key of a message.
pub fn message_sk(id: &str) -> String {
    format!("MSG#{id}")
}

/// The due-index partition of a message.
pub fn due_shard(id: &str) -> String {
    format!("DUE#{:02}", stable_hash(&[id]) % DUE_SHARDS)
}

pub(super) fn millis(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The `ts` (by-time sort key) of a message: send time, then id for a total order.
fn time_key(m: &Message) -> String {
    format!("{}#{}", millis(m.send_at), m.id)
}

/// Which messages a list returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub status: Option<MessageStatus>,
    pub message_type: Option<MessageType>,
    pub unread_only: bool,
}

/// Where a list page starts: after this message (its by-time key and id).
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub time_key: String,
    pub id: String,
}

/// One page of a list, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub messages: Vec<Message>,
    pub next: Option<Position>,
}

/// Whether a create wrote the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New,
    /// A message for this occurrence was already stored; nothing was written.
    Exists,
}

/// Reads and writes messages and their variant counters.
#[derive(Clone, Debug)]
pub struct MessageStore {
    client: Client,
    table: String,
    stats_table: String,
    /// Where each user's message ledger lives (see [`ledger`](super::ledger)).
    profiles_table: String,
}

impl MessageStore {
    /// A store over the messages and statistics tables, keeping the users' message ledgers
    /// in the profiles table.
    pub fn new(
        client: Client,
        table: impl Into<String>,
        stats_table: impl Into<String>,
        profiles_table: impl Into<String>,
    ) -> Self {
        MessageStore {
            client,
            table: table.into(),
            stats_table: stats_table.into(),
            profiles_table: profiles_table.into(),
        }
    }

    /// The transaction item changing message `after`'s ledger entry by `change`.
    pub(super) fn ledger_change(
        &self,
        user: &UserId,
        after: &Message,
        change: &ledger::Change,
    ) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .update(ledger::change(&self.profiles_table, user, after, change)?)
            .build())
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn table(&self) -> &str {
        &self.table
    }

    pub(super) fn stats_table(&self) -> &str {
        &self.stats_table
    }

    pub(super) fn key(user: &UserId, id: &str) -> Item {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(user_pk(user))),
            ("sk".to_owned(), AttributeValue::S(message_sk(id))),
        ])
    }

    /// The stored item of a message: its fields plus keys, the by-time key, the TTL and, while
    /// scheduled, the sparse due-index keys.
    pub fn item(user: &UserId, m: &Message) -> Result<Item, StoreError> {
        let mut item: Item = serde_dynamo::to_item(m).map_err(StoreError::corrupt("message"))?;
        item.extend(Self::key(user, &m.id));
        item.insert(
            "user_id".into(),
            AttributeValue::S(user.as_str().to_owned()),
        );
        item.insert("ts".into(), AttributeValue::S(time_key(m)));
        item.insert(
            "retain_until".into(),
            AttributeValue::N(m.retain_until().timestamp().to_string()),
        );
        if m.status == MessageStatus::Scheduled {
            item.insert("due_shard".into(), AttributeValue::S(due_shard(&m.id)));
            item.insert("due_at".into(), AttributeValue::S(time_key(m)));
        }
        Ok(item)
    }

    /// Stores a new message unless one with its id exists. The id is derived from (user,
    /// trigger occurrence), and the put is conditioned on `attribute_not_exists(pk)`, so a
    /// retried or concurrent generation never stores an occurrence twice.
    pub async fn create(&self, user: &UserId, m: &Message) -> Result<Created, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::item(user, m)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(StoreError::dynamo)?;
        // The ledger entry in the same transaction: written exactly when the message is.
        let entry = ledger::entry(&self.profiles_table, user, m)?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(entry).build(),
        ];
        Ok(if self.transact(items).await? {
            Created::New
        } else {
            Created::Exists
        })
    }

    /// One message of the user (strongly consistent), or `None`. Another user's id is simply
    /// not in this user's partition.
    pub async fn get(&self, user: &UserId, id: &str) -> Result<Option<Message>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        out.item.map(decode).transpose()
    }

    /// A page of the user's messages, newest first, after `after`. Filters apply on the server;
    /// the query continues until `limit` messages match or the partition ends, and the next
    /// position is the last message returned, so no message is skipped or repeated.
    pub async fn list(
        &self,
        user: &UserId,
        filter: &ListFilter,
        limit: usize,
        after: Option<&Position>,
    ) -> Result<Page, StoreError> {
        let pk = user_pk(user);
        let mut start: Option<Item> = after.map(|p| {
            HashMap::from([
                ("pk".to_owned(), AttributeValue::S(pk.clone())),
                ("sk".to_owned(), AttributeValue::S(message_sk(&p.id))),
                ("ts".to_owned(), AttributeValue::S(p.time_key.clone())),
            ])
        });
        let mut names = HashMap::new();
        let mut values = HashMap::from([(":pk".to_owned(), AttributeValue::S(pk.clone()))]);
        let mut conditions = Vec::new();
        if let Some(s) = filter.status {
            names.insert("#st".to_owned(), "status".to_owned());
            values.insert(":st".into(), AttributeValue::S(s.as_ref().to_owned()));
            conditions.push("#st = :st".to_owned());
        }
        if let Some(t) = filter.message_type {
            values.insert(":ty".into(), AttributeValue::S(t.as_ref().to_owned()));
            conditions.push("message_type = :ty".to_owned());
        }
        if filter.unread_only {
            names.insert("#st".to_owned(), "status".to_owned());
            values.insert(":sent".into(), AttributeValue::S("sent".into()));
            values.insert(":failed".into(), AttributeValue::S("failed".into()));
            conditions.push(
                "#st IN (:sent, :failed) AND attribute_not_exists(read_at) \
                 AND attribute_not_exists(acted_at) AND attribute_not_exists(dismissed_at)"
                    .to_owned(),
            );
        }
        let filter_expr = (!conditions.is_empty()).then(|| conditions.join(" AND "));

        let mut messages = Vec::with_capacity(limit);
        loop {
            let want = limit - messages.len();
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_TIME_INDEX)
                .key_condition_expression("pk = :pk")
                .set_filter_expression(filter_expr.clone())
                .set_expression_attribute_names((!names.is_empty()).then(|| names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(false)
                .limit(
                    i32::try_from(if filter_expr.is_some() {
                        want.max(50)
                    } else {
                        want
                    })
                    .unwrap_or(100),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::dynamo)?;
            let mut items = out.items.unwrap_or_default().into_iter();
            for item in items.by_ref() {
                messages.push(decode(item)?);
                if messages.len() == limit {
                    break;
                }
            }
            let full = messages.len() == limit;
            let more_in_page = items.next().is_some();
            start = out.last_evaluated_key;
            if full {
                // Continue after the last message returned, whether or not the page had more.
                let next = (more_in_page || start.is_some())
                    .then(|| messages.last().map(position))
                    .flatten();
                return Ok(Page { messages, next });
            }
            if start.is_none() {
                return Ok(Page {
                    messages,
                    next: None,
                });
            }
        }
    }

    /// The user's messages sent at or after `since` (all retained ones when `None`), oldest
    /// first, at most `max`.
    pub async fn recent(
        &self,
        user: &UserId,
        since: Option<DateTime<Utc>>,
        max: usize,
    ) -> Result<Vec<Message>, StoreError> {
        let mut values = HashMap::from([(":pk".to_owned(), AttributeValue::S(user_pk(user)))]);
        let key_condition = match since {
            Some(t) => {
                values.insert(":since".into(), AttributeValue::S(millis(t)));
                "pk = :pk AND ts >= :since"
            }
            None => "pk = :pk",
        };
        let mut messages = Vec::new();
        let mut items = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(BY_TIME_INDEX)
            .key_condition_expression(key_condition)
            .set_expression_attribute_values(Some(values))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        // Stops reading pages once `max` are in.
        while messages.len() < max {
            let Some(item) = items.next().await else {
                break;
            };
            messages.push(decode(item.map_err(StoreError::dynamo)?)?);
        }
        Ok(messages)
    }

    /// Applies an interaction computed from `m` as read. One transaction updates the message
    /// and adds to its variant's counters, so counters move exactly when stamps are first set.
    /// The update is conditioned on the status read and on each stamp still being absent:
    /// a concurrent or repeated call fails the condition and changes nothing (`Ok(false)`;
    /// the caller reads again and recomputes).
    pub async fn apply_interaction(
        &self,
        user: &UserId,
        m: &Message,
        change: &InteractionChange,
    ) -> Result<bool, StoreError> {
        let after = change.applied_to(m);
        let mut set = vec!["#st = :to".to_owned(), "retain_until = :ru".to_owned()];
        let mut cond = vec!["#st = :from".to_owned()];
        let values = HashMap::from([
            (
                ":to".to_owned(),
                AttributeValue::S(change.status.as_ref().to_owned()),
            ),
            (
                ":from".to_owned(),
                AttributeValue::S(change.from.as_ref().to_owned()),
            ),
            (":at".to_owned(), AttributeValue::S(millis(change.at))),
            (
                ":ru".to_owned(),
                AttributeValue::N(after.retain_until().timestamp().to_string()),
            ),
        ]);
        let mut counters = Vec::new();
        for s in &change.stamps {
            set.push(format!("{} = :at", s.attribute()));
            cond.push(format!("attribute_not_exists({})", s.attribute()));
            counters.extend(s.counter());
        }
        let message_update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(user, &m.id)))
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(cond.join(" AND "))
            .expression_attribute_names("#st", "status")
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(StoreError::dynamo)?;
        let mut items = vec![TransactWriteItem::builder().update(message_update).build()];
        let stamped = |st: Stamp| change.stamps.contains(&st);
        items.push(self.ledger_change(
            user,
            &after,
            &ledger::Change {
                status: Some(change.status),
                read_at: after.read_at.filter(|_| stamped(Stamp::Read)),
                acted_at: after.acted_at.filter(|_| stamped(Stamp::Acted)),
                ..ledger::Change::default()
            },
        )?);
        if !counters.is_empty() {
            let adds: Vec<String> = counters.iter().map(|c| format!("#{c} :one")).collect();
            let mut stats = Update::builder()
                .table_name(&self.stats_table)
                .set_key(Some(variant_key(&m.template_id, &m.variant_id)))
                .update_expression(format!(
                    "SET template_id = :t, variant_id = :v ADD {}",
                    adds.join(", ")
                ))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":t", AttributeValue::S(m.template_id.clone()))
                .expression_attribute_values(":v", AttributeValue::S(m.variant_id.clone()));
            for c in &counters {
                stats = stats.expression_attribute_names(format!("#{c}"), *c);
            }
            items.push(
                TransactWriteItem::builder()
                    .update(stats.build().map_err(StoreError::dynamo)?)
                    .build(),
            );
        }
        items.extend(self.counter_items(m, &engagement(m, change))?);
        self.transact(items).await
    }

    /// Stores the feedback of a delivered message (replacing an earlier one). Conditioned on
    /// the message existing, so feedback never creates a stray item; `Ok(false)` if it is gone.
    /// The first feedback on a message is also counted in its day's counters, in the same
    /// transaction and only while the message has none (so a retry counts nothing twice).
    pub async fn put_feedback(
        &self,
        user: &UserId,
        m: &Message,
        feedback: &Feedback,
    ) -> Result<bool, StoreError> {
        let value =
            serde_dynamo::to_attribute_value(feedback).map_err(StoreError::corrupt("message"))?;
        let first = m.feedback.is_none();
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(user, &m.id)))
            .update_expression("SET feedback = :f")
            .condition_expression(if first {
                "attribute_exists(pk) AND attribute_not_exists(feedback)"
            } else {
                "attribute_exists(pk)"
            })
            .expression_attribute_values(":f", value)
            .build()
            .map_err(StoreError::dynamo)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if first {
            let mut adds = vec![("feedback", 1)];
            if let Some(r) = feedback.rating {
                adds.push(("rating_sum", i64::from(r)));
                adds.push(("rating_count", 1));
            }
            match feedback.helpful {
                Some(true) => adds.push(("helpful", 1)),
                Some(false) => adds.push(("unhelpful", 1)),
                None => {}
            }
            items.extend(self.counter_items(m, &adds)?);
        }
        self.transact(items).await
    }

    /// Deletes every message of the user (their pending ones included). Harmless to repeat.
    pub async fn delete_all(&self, user: &UserId) -> Result<usize, StoreError> {
        let keys = partition_keys(&self.client, &self.table, &user_pk(user)).await?;
        let n = keys.len();
        delete_keys(&self.client, &self.table, keys).await?;
        Ok(n)
    }

    /// Deletes these messages (undoing writes an erasure overtook). Deleting an absent one is
    /// not an error.
    pub async fn delete_messages(&self, ids: &[(UserId, String)]) -> Result<(), StoreError> {
        let keys = ids.iter().map(|(u, id)| Self::key(u, id)).collect();
        delete_keys(&self.client, &self.table, keys).await?;
        // The ledger entries after the messages: an entry outliving its message for a moment
        // is harmless (the engine only learns of a message it was planning anyway), one
        // missing while its message lives is not.
        let entries = ids.iter().map(|(u, id)| ledger::entry_key(u, id)).collect();
        delete_keys(&self.client, &self.profiles_table, entries).await
    }

    /// The counters of these (template, variant) pairs, read with BatchGetItem (see
    /// [`get_all`]). Pairs never counted are absent.
    pub async fn variant_stats(&self, pairs: &[(String, String)]) -> Result<StatsMap, StoreError> {
        let keys: Vec<Item> = pairs.iter().map(|(t, v)| variant_key(t, v)).collect();
        let mut stats = StatsMap::default();
        for item in get_all(&self.client, &self.stats_table, keys, None).await? {
            let (Some(t), Some(v)) = (
                item.get("template_id").and_then(|a| a.as_s().ok()),
                item.get("variant_id").and_then(|a| a.as_s().ok()),
            ) else {
                continue;
            };
            let n = |k: &str| {
                item.get(k)
                    .and_then(|a| a.as_n().ok())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0)
            };
            stats.entry(t.clone()).or_default().insert(
                v.clone(),
                VariantStats {
                    sent: n("sent"),
                    read: n("read"),
                    acted: n("acted"),
                },
            );
        }
        Ok(stats)
    }

    /// Which of these planned messages are already stored, as stored (strongly consistent):
    /// keyed by (`pk`, `sk`).
    pub async fn existing(
        &self,
        ids: &[(UserId, String)],
    ) -> Result<HashMap<(String, String), Message>, StoreError> {
        let keys: Vec<Item> = ids.iter().map(|(u, id)| Self::key(u, id)).collect();
        let found = get_all(&self.client, &self.table, keys, None).await?;
        let mut out = HashMap::with_capacity(found.len());
        for item in found {
            let (Some(pk), Some(sk)) = (
                item.get("pk").and_then(|v| v.as_s().ok()).cloned(),
                item.get("sk").and_then(|v| v.as_s().ok()).cloned(),
            ) else {
                continue;
            };
            out.insert((pk, sk), decode(item)?);
        }
        Ok(out)
    }

    /// Writes the whole ledger entries of these stored messages, then the markers of
    /// `complete` users (each after all of that user's entries). `new` are messages this
    /// caller just wrote: the entry of one not due within [`ledger::UNTOUCHED_FOR`] is put in
    /// a batch (nothing else can have changed it yet); every other entry is an idempotent
    /// update that never undoes a change (see [`ledger`]), in transactions of
    /// [`LEDGER_TRANSACTION`], [`BATCHES_IN_FLIGHT`] at once. A retry after a failure
    /// part-way repeats nothing harmful; a user's marker is written only once every one of
    /// their entries is.
    pub async fn write_ledger(
        &self,
        new: &[(UserId, &Message)],
        stored: &[(UserId, &Message)],
        complete: &[UserId],
    ) -> Result<(), StoreError> {
        let untouched_until = Utc::now() + ledger::UNTOUCHED_FOR;
        let (puts, updates): (Vec<_>, Vec<_>) =
            new.iter().partition(|(_, m)| m.send_at > untouched_until);
        let puts = puts
            .iter()
            .map(|(u, m)| put_request(ledger::entry_item(u, m)?))
            .collect::<Result<Vec<_>, _>>()?;
        // A stored message's entry is written only while the message exists: read before a
        // cleanup deleted it (with its entry), it would otherwise come back as an entry
        // without a message. The entries of this run's new messages need no check: no
        // cleanup deletes a message not yet sent.
        let mut groups = updates
            .into_iter()
            .map(|(u, m)| {
                Ok(vec![update_item(ledger::entry(
                    &self.profiles_table,
                    u,
                    m,
                )?)])
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for (u, m) in stored {
            groups.push(vec![
                update_item(ledger::entry(&self.profiles_table, u, m)?),
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(Self::key(u, &m.id)))
                            .condition_expression("attribute_exists(pk)")
                            .build()
                            .map_err(StoreError::dynamo)?,
                    )
                    .build(),
            ]);
        }
        tokio::try_join!(
            write_all(&self.client, &self.profiles_table, puts),
            self.transact_groups(groups)
        )?;
        let markers = complete
            .iter()
            .map(|u| Ok(vec![update_item(ledger::marker(&self.profiles_table, u)?)]))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.transact_groups(markers).await
    }

    /// Deletes these ledger entries and the markers of these users (what a generation wrote
    /// for users erased meanwhile).
    pub async fn forget_ledger(
        &self,
        entries: &[(UserId, String)],
        markers: &[UserId],
    ) -> Result<(), StoreError> {
        let keys = entries
            .iter()
            .map(|(u, id)| ledger::entry_key(u, id))
            .chain(markers.iter().map(ledger::marker_key))
            .collect();
        delete_keys(&self.client, &self.profiles_table, keys).await
    }

    /// Writes groups of transaction items, whole groups per transaction (up to
    /// [`LEDGER_TRANSACTION`] items), [`BATCHES_IN_FLIGHT`] transactions at once. Only a
    /// group's condition check can fail: a group whose check failed is dropped and the rest of
    /// its transaction written again. A conflict with a concurrent transaction (or throttling)
    /// is retried with backoff. Every write is an idempotent `SET`, so writing again is safe.
    async fn transact_groups(&self, groups: Vec<Vec<TransactWriteItem>>) -> Result<(), StoreError> {
        let mut chunks: Vec<Vec<Vec<TransactWriteItem>>> = Vec::new();
        let mut size = 0;
        for g in groups {
            if chunks.is_empty() || size + g.len() > LEDGER_TRANSACTION {
                chunks.push(Vec::new());
                size = 0;
            }
            size += g.len();
            if let Some(c) = chunks.last_mut() {
                c.push(g);
            }
        }
        stream::iter(chunks)
            .map(|mut chunk| async move {
                let mut attempt = 0;
                while !chunk.is_empty() {
                    let items: Vec<TransactWriteItem> = chunk.iter().flatten().cloned().collect();
                    let res = self
                        .client
                        .transact_write_items()
                        .set_transact_items(Some(items))
                        .send()
                        .await;
                    let Err(e) = res else {
                        return Ok(());
                    };
                    let failed = failed_checks(&e);
                    if !failed.is_empty() {
                        // The items are in group order: drop the groups holding a failed one.
                        let mut at = 0;
                        chunk.retain(|g| {
                            let start = at;
                            at += g.len();
                            !failed.iter().any(|i| (start..at).contains(i))
                        });
                        continue;
                    }
                    attempt += 1;
                    if attempt < BATCH_ATTEMPTS && retryable_cancel(&e) {
                        tokio::time::sleep(crate::aws::retry::backoff(attempt)).await;
                    } else {
                        return Err(StoreError::dynamo(e));
                    }
                }
                Ok(())
            })
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    pub async fn put_new(&self, messages: &[(UserId, Message)]) -> Result<(), StoreError> {
        let requests = messages
            .iter()
            .map(|(u, m)| put_request(Self::item(u, m)?))
            .collect::<Result<Vec<_>, _>>()?;
        write_all(&self.client, &self.table, requests).await
    }
}

/// The daily counters an interaction adds: first stamps, and the time from delivery to the
/// first read and to the action.
fn engagement(m: &Message, change: &InteractionChange) -> Vec<(&'static str, i64)> {
    let mut adds = Vec::new();
    for s in &change.stamps {
        if let Some(c) = s.counter() {
            adds.push((c, 1));
        }
        let timed = match s {
            crate::domain::messages::Stamp::Read => Some(("read_seconds", "read_count")),
            crate::domain::messages::Stamp::Acted => Some(("act_seconds", "act_count")),
            _ => None,
        };
        if let (Some((secs, count)), Some(delivered)) = (timed, m.delivered_at) {
            adds.push((secs, (change.at - delivered).num_seconds().max(0)));
            adds.push((count, 1));
        }
    }
    adds
}

/// The statistics-table key of a template variant's counters. The item also carries
/// `template_id` and `variant_id` so a batch read can tell its items apart.
pub fn variant_key(template_id: &str, variant_id: &str) -> Item {
    HashMap::from([
        (
            "pk".to_owned(),
            AttributeValue::S(format!("VARIANT#{template_id}")),
        ),
        ("sk".to_owned(), AttributeValue::S(variant_id.to_owned())),
    ])
}

fn position(m: &Message) -> Position {
    Position {
        time_key: time_key(m),
        id: m.id.clone(),
    }
}

fn decode(item: Item) -> Result<Message, StoreError> {
    serde_dynamo::from_item(item).map_err(StoreError::corrupt("message"))
}

/// Whether a cancelled transaction failed only for a conflict with another one or for
/// throttling (worth trying again), not for a condition or a bad request.
/// A transaction item of this update.
fn update_item(u: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(u).build()
}

/// The positions of the items whose condition failed when `e` cancelled a transaction.
fn failed_checks<R>(
    e: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Vec<usize> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match e.as_service_error() {
        Some(E::TransactionCanceledException(c)) => c
            .cancellation_reasons()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
            .map(|(i, _)| i)
            .collect(),
        _ => Vec::new(),
    }
}

fn retryable_cancel<R>(
    e: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match e.as_service_error() {
        Some(E::TransactionCanceledException(c)) => c.cancellation_reasons().iter().all(|r| {
            matches!(
                r.code(),
                None | Some("None") | Some("TransactionConflict") | Some("ThrottlingError")
            )
        }),
        Some(E::TransactionInProgressException(_)) => true,
        _ => false,
    }
}
