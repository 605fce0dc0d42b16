//! Job bookkeeping in the statistics table: leases that keep two workers off the same work,
//! and generation-run progress records.
//!
//! | item | `pk` | `sk` | access |
//! |---|---|---|---|
//! | lease | `LEASE#<name>` | `LEASE` | conditional UpdateItem (free, expired, or ours); conditional DeleteItem |
//! | run | `RUN#<id>` | `META` | PutItem `attribute_not_exists` (TTL `expires_at`) |
//! | run segment | `RUN#<id>` | `SEGMENT#<nnnn>` | UpdateItem ADD counters; Query `pk` for the run |

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::batch::Item;
use super::StoreError;

/// Days run records are kept.
pub const RUN_RECORD_DAYS: i64 = 30;

/// What one worker invocation did to its segment.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SegmentCounts {
    /// Users planned.
    pub users: u64,
    /// Messages newly stored.
    pub planned: u64,
    /// Planned messages found already stored (an earlier or concurrent run).
    pub already_planned: u64,
}

/// A generation run's progress, summed over its segments.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct RunStatus {
    pub run_id: String,
    pub as_of: DateTime<Utc>,
    pub total_segments: u32,
    /// Segments whose whole range is done.
    pub segments_done: u32,
    pub totals: SegmentCounts,
    pub segments: BTreeMap<u32, SegmentCounts>,
}

impl RunStatus {
    /// Whether every segment finished.
    pub fn finished(&self) -> bool {
        self.segments_done >= self.total_segments
    }
}

/// Leases and run records.
#[derive(Clone, Debug)]
pub struct JobStore {
    client: Client,
    table: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: String, sk: &str) -> Item {
    super::batch::pk_sk(pk, sk)
}

fn number(item: &Item, name: &str) -> u64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

impl JobStore {
    /// Job records in the statistics table `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        JobStore {
            client,
            table: table.into(),
        }
    }

    /// Takes (or renews) lease `name` for `owner` until `now + secs`: one conditional write
    /// that succeeds only if the lease is free, expired, or already `owner`'s. False when
    /// someone else holds it.
    pub async fn take_lease(
        &self,
        name: &str,
        owner: &str,
        now: DateTime<Utc>,
        secs: i64,
    ) -> Result<bool, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("LEASE#{name}"), "LEASE")))
            .update_expression("SET #o = :owner, lease_until = :until, expires_at = :exp")
            .condition_expression("attribute_not_exists(pk) OR #o = :owner OR lease_until < :now")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":owner", s(owner))
            .expression_attribute_values(":until", n((now + Duration::seconds(secs)).timestamp()))
            .expression_attribute_values(":now", n(now.timestamp()))
            .expression_attribute_values(
                ":exp",
                n((now + Duration::seconds(secs) + Duration::days(1)).timestamp()),
            )
            .send()
            .await;
        Ok(super::written(res)?.is_some())
    }

    /// Gives lease `name` up if `owner` still holds it.
    pub async fn release_lease(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        let res = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("LEASE#{name}"), "LEASE")))
            .condition_expression("#o = :owner")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":owner", s(owner))
            .send()
            .await;
        super::written(res)?;
        Ok(())
    }

    /// Records a run's start; a repeat of the same run id writes nothing.
    pub async fn start_run(
        &self,
        run_id: &str,
        as_of: DateTime<Utc>,
        total_segments: u32,
    ) -> Result<(), StoreError> {
        let mut item = key(format!("RUN#{run_id}"), "META");
        item.insert("as_of".into(), s(as_of.to_rfc3339()));
        item.insert("total_segments".into(), n(total_segments));
        item.insert(
            "expires_at".into(),
            n((as_of + Duration::days(RUN_RECORD_DAYS)).timestamp()),
        );
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        super::written(res)?;
        Ok(())
    }

    /// Adds one invocation's counts to its segment, and marks the segment done when its range
    /// is exhausted. Counters are informational: a redelivered work item may count its users
    /// twice, while `planned` counts only messages this invocation newly stored.
    pub async fn record_segment(
        &self,
        run_id: &str,
        segment: u32,
        counts: SegmentCounts,
        done: bool,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut update =
            String::from("ADD #users :u, planned :p, already_planned :a SET expires_at = :exp");
        if done {
            update.push_str(", #done = :t");
        }
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(
                format!("RUN#{run_id}"),
                &format!("SEGMENT#{segment:04}"),
            )))
            .update_expression(update)
            .expression_attribute_names("#users", "users")
            .expression_attribute_values(":u", n(counts.users))
            .expression_attribute_values(":p", n(counts.planned))
            .expression_attribute_values(":a", n(counts.already_planned))
            .expression_attribute_values(":exp", n(expires.timestamp()));
        if done {
            req = req
                .expression_attribute_names("#done", "done")
                .expression_attribute_values(":t", AttributeValue::Bool(true));
        }
        req.send().await.map_err(StoreError::dynamo)?;
        Ok(())
    }

    /// A run's progress, or `None` for an unknown run.
    pub async fn run(&self, run_id: &str) -> Result<Option<RunStatus>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(format!("RUN#{run_id}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        let items = out.items.unwrap_or_default();
        let Some(meta) = items
            .iter()
            .find(|i| i.get("sk").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("META"))
        else {
            return Ok(None);
        };
        let as_of = meta
            .get("as_of")
            .and_then(|v| v.as_s().ok())
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| StoreError::missing("run record without as_of"))?;
        let mut status = RunStatus {
            run_id: run_id.to_owned(),
            as_of,
            total_segments: number(meta, "total_segments") as u32,
            segments_done: 0,
            totals: SegmentCounts::default(),
            segments: BTreeMap::new(),
        };
        for item in &items {
            let Some(seg) = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .and_then(|sk| sk.strip_prefix("SEGMENT#"))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let c = SegmentCounts {
                users: number(item, "users"),
                planned: number(item, "planned"),
                already_planned: number(item, "already_planned"),
            };
            status.totals.users += c.users;
            status.totals.planned += c.planned;
            status.totals.already_planned += c.already_planned;
            if item.get("done").and_then(|v| v.as_bool().ok()) == Some(&true) {
                status.segments_done += 1;
            }
            status.segments.insert(seg, c);
        }
        Ok(Some(status))
    }
}
