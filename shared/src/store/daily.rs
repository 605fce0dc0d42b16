//! Daily analytics counters in the statistics table, added in the same transaction as the
//! message write they count, so each moves exactly once.
//!
//! | item | `pk` | `sk` | access |
//! |---|---|---|---|
//! | counters of messages sent that day | `DAY#<UTC send date>` | dimension (`all`, `type#…`, `tone#…`, `segment#…`, `variant#<template>#<variant>`, `experiment#<id>#<variant>`, and the learners' `type_segment#…`, `arm#…`, `rival#…`, `lead#…` and `n7#…` of `engine::learned`) | ADD in transactions; Query `pk` |
//! | the day's report | `ANALYTICS` | `<date>` | PutItem (job-analytics); GetItem |
//!
//! Counters: `sent`, `failed`, `expired`, `irrelevant`, `rewarded`, `read`, `acted`, `dismissed`, `read_seconds` /
//! `read_count` (delivery to first read), `act_seconds` / `act_count`, `feedback`,
//! `rating_sum` / `rating_count`, `helpful`, `unhelpful`.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{Duration, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::batch::Item;
use super::messages::MessageStore;
use super::StoreError;
use crate::engine::learned::n7_bucket;
use crate::messages::Message;
use crate::report::wire_name;

/// Days counters and reports are kept.
pub const DAILY_RETENTION_DAYS: i64 = 400;

/// The partition of one day's counters.
pub fn day_pk(date: NaiveDate) -> String {
    format!("DAY#{date}")
}

/// Every dimension a message is counted under, each with the weight of its weighted
/// counters (`w_sent`, `w_rewarded`, in thousandths) where it has them: the learners'
/// dimensions of `engine::learned` (type × segment, the chosen arm at 1/p, each rival arm at
/// 1/(1 − p), the lead, the week's pushes before) besides the analytics ones.
pub fn dimensions(m: &Message) -> Vec<(String, Option<f64>)> {
    let mut d = vec![
        ("all".to_owned(), None),
        (format!("type#{}", wire_name(&m.message_type)), None),
        (format!("tone#{}", wire_name(&m.tone)), None),
        (format!("variant#{}#{}", m.template_id, m.variant_id), None),
    ];
    if let Some(s) = &m.segment {
        let segment = wire_name(s);
        d.push((format!("segment#{segment}"), None));
        d.push((
            format!("type_segment#{}#{segment}", wire_name(&m.message_type)),
            None,
        ));
        if let Some(sel) = &m.selection {
            for arm in &sel.arms {
                if arm.template_id == m.template_id {
                    let p = arm.p;
                    if p > 0.0 {
                        d.push((format!("arm#{}#{segment}", arm.template_id), Some(1.0 / p)));
                    }
                } else if arm.p < 1.0 {
                    d.push((
                        format!("rival#{}#{segment}", arm.template_id),
                        Some(1.0 / (1.0 - arm.p)),
                    ));
                }
            }
        }
    }
    if let Some(lead) = m.selection.as_ref().and_then(|s| s.lead) {
        d.push((format!("lead#{lead}"), None));
    }
    if let (Some(n7), Some(seg)) = (m.selection.as_ref().and_then(|s| s.n7), &m.segment) {
        d.push((format!("n7#{}#{}", n7_bucket(n7), wire_name(seg)), None));
    }
    if let Some(e) = &m.experiment_id {
        d.push((format!("experiment#{e}#{}", m.variant_id), None));
    }
    d
}

/// The counters `adds` makes under each dimension of `m`: the adds themselves, and for a
/// weighted dimension `w_sent` / `w_rewarded` too (the add times the weight, in thousandths).
/// What the store's transactions ADD and what the simulator counts.
pub fn counter_adds(m: &Message, adds: &[(&str, i64)]) -> Vec<(String, Vec<(String, i64)>)> {
    dimensions(m)
        .into_iter()
        .map(|(dim, weight)| {
            let mut counters: Vec<(String, i64)> =
                adds.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect();
            if let Some(w) = weight {
                for (c, v) in adds {
                    if matches!(*c, "sent" | "rewarded") {
                        counters.push((format!("w_{c}"), (*v as f64 * w * 1000.0).round() as i64));
                    }
                }
            }
            (dim, counters)
        })
        .collect()
}

/// One dimension's counters of a day.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CounterRow {
    pub dimension: String,
    pub counts: BTreeMap<String, i64>,
}

impl MessageStore {
    /// The transaction items adding `adds` to every dimension of `m` on its send day.
    pub(super) fn counter_items(
        &self,
        m: &Message,
        adds: &[(&str, i64)],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        if adds.is_empty() {
            return Ok(Vec::new());
        }
        let pk = day_pk(m.send_at.date_naive());
        let expires = (m.send_at + Duration::days(DAILY_RETENTION_DAYS)).timestamp();
        counter_adds(m, adds)
            .into_iter()
            .map(|(dim, counters)| {
                let parts: Vec<String> = (0..counters.len())
                    .map(|i| format!("#c{i} :c{i}"))
                    .collect();
                let mut u = Update::builder()
                    .table_name(self.stats_table())
                    .key("pk", AttributeValue::S(pk.clone()))
                    .key("sk", AttributeValue::S(dim))
                    .update_expression(format!("SET expires_at = :exp ADD {}", parts.join(", ")))
                    .expression_attribute_values(":exp", AttributeValue::N(expires.to_string()));
                for (i, (name, v)) in counters.iter().enumerate() {
                    u = u
                        .expression_attribute_names(format!("#c{i}"), name)
                        .expression_attribute_values(
                            format!(":c{i}"),
                            AttributeValue::N(v.to_string()),
                        );
                }
                Ok(TransactWriteItem::builder()
                    .update(u.build().map_err(StoreError::dynamo)?)
                    .build())
            })
            .collect()
    }

    /// Every counter row of messages sent on `date`.
    pub async fn daily_counters(&self, date: NaiveDate) -> Result<Vec<CounterRow>, StoreError> {
        let mut rows = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client()
                .query()
                .table_name(self.stats_table())
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(day_pk(date)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::dynamo)?;
            for item in out.items.unwrap_or_default() {
                rows.push(row(item));
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(rows);
            }
        }
    }

    /// Stores the report of `date` (replacing an earlier one).
    pub async fn put_report<T: Serialize>(
        &self,
        date: NaiveDate,
        report: &T,
    ) -> Result<(), StoreError> {
        let mut item: Item = HashMap::from([
            ("pk".to_owned(), AttributeValue::S("ANALYTICS".into())),
            ("sk".to_owned(), AttributeValue::S(date.to_string())),
            (
                "expires_at".to_owned(),
                AttributeValue::N(
                    (Utc::now() + Duration::days(DAILY_RETENTION_DAYS))
                        .timestamp()
                        .to_string(),
                ),
            ),
        ]);
        item.insert(
            "report".into(),
            AttributeValue::S(
                serde_json::to_string(report).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ),
        );
        self.client()
            .put_item()
            .table_name(self.stats_table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(())
    }

    /// The stored report of `date`, if job-analytics made one.
    pub async fn report<T: DeserializeOwned>(
        &self,
        date: NaiveDate,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.stats_table())
            .key("pk", AttributeValue::S("ANALYTICS".into()))
            .key("sk", AttributeValue::S(date.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        out.item
            .and_then(|i| i.get("report").and_then(|r| r.as_s().ok()).cloned())
            .map(|text| serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string())))
            .transpose()
    }
}

fn row(item: Item) -> CounterRow {
    let dimension = item
        .get("sk")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let counts = item
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "pk" | "sk" | "expires_at"))
        .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse().ok()?)))
        .collect();
    CounterRow { dimension, counts }
}
