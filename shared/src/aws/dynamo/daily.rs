//! Daily analytics counters (`views::counters`) in the statistics table, added in the same
//! transaction as the message write they count, so each moves exactly once.
//!
//! | item | `pk` | `sk` | access |
//! |---|---|---|---|
//! | counters of messages sent that day | `DAY#<UTC send date>` | dimension (`all`, `type#…`, `tone#…`, `segment#…`, `variant#<template>#<variant>`, `experiment#<id>#<variant>`, and the learners' `type_segment#…`, `arm#…`, `rival#…`, `lead#…` and `n7#…` of `engine::learned`) | ADD in transactions; Query `pk` |
//! | the day's report | `ANALYTICS` | `<date>` | PutItem (job-analytics); GetItem |
//!
//! Counters: `sent`, `failed`, `expired`, `irrelevant`, `rewarded`, `read`, `acted`, `dismissed`, `read_seconds` /
//! `read_count` (delivery to first read), `act_seconds` / `act_count`, `feedback`,
//! `rating_sum` / `rating_count`, `helpful`, `unhelpful`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{Duration, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::batch::Item;
use super::messages::MessageStore;
use super::StoreError;
use crate::domain::messages::Message;
use crate::views::counters::{counter_adds, CounterRow, DAILY_RETENTION_DAYS};

/// The partition of one day's counters.
pub fn day_pk(date: NaiveDate) -> String {
    format!("DAY#{date}")
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
        let items: Vec<Item> = self
            .client()
            .query()
            .table_name(self.stats_table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(day_pk(date)))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(items.into_iter().map(row).collect())
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
                serde_json::to_string(report).map_err(StoreError::corrupt("report"))?,
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
            .map(|text| serde_json::from_str(&text).map_err(StoreError::corrupt("report")))
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
