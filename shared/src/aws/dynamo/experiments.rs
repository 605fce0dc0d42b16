//! Experiments in the templates table (configuration beside the catalogue they test), and
//! their counts from the statistics table's daily `experiment#<id>#<variant>` counters:
//!
//! | item | `pk` | `sk` | access |
//! |---|---|---|---|
//! | experiment (JSON in `experiment`, `running` mirrored) | `EXPERIMENT` | id | PutItem `attribute_not_exists` (create); Query `pk`; GetItem; UpdateItem conditioned on `running` (stop, once) |
//! | its daily counts | `DAY#<date>` (statistics) | `experiment#<id>#<variant>` | Query `begins_with` per day |

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, NaiveDate};

use super::batch::{json_document, pk_sk, Item};
use super::daily::day_pk;
use super::messages::MessageStore;
use super::templates::TemplateStore;
use super::{written, StoreError};
use crate::engine::experiments::{Experiment, VariantCounts};

const PK: &str = "EXPERIMENT";

fn key(id: &str) -> Item {
    pk_sk(PK, id)
}

fn decode(item: &Item) -> Result<Experiment, StoreError> {
    json_document(item, "experiment")?
        .ok_or_else(|| StoreError::missing("experiment item without a document"))
}

fn document(e: &Experiment) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(e)
        .map(AttributeValue::S)
        .map_err(StoreError::corrupt("experiment"))
}

impl TemplateStore {
    /// Stores a new experiment; `false` if one with its id exists (nothing written).
    pub async fn create_experiment(&self, e: &Experiment) -> Result<bool, StoreError> {
        let mut item = key(&e.id);
        item.insert("experiment".into(), document(e)?);
        item.insert("running".into(), AttributeValue::Bool(e.running));
        let res = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(written(res)?.is_some())
    }

    /// Every experiment, by id (every page, by the SDK's paginator).
    pub async fn experiments(&self) -> Result<Vec<Experiment>, StoreError> {
        let items: Vec<Item> = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(PK.into()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(StoreError::dynamo)?;
        items.iter().map(decode).collect()
    }

    /// One experiment, or `None`.
    pub async fn experiment(&self, id: &str) -> Result<Option<Experiment>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        out.item.as_ref().map(decode).transpose()
    }

    /// Records that a running experiment stopped (`stopped` is its stopped document);
    /// conditioned on it still running, so only the first stop counts: `false` otherwise.
    pub async fn stop_experiment(&self, stopped: &Experiment) -> Result<bool, StoreError> {
        let res = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(&stopped.id)))
            .update_expression("SET experiment = :doc, running = :no")
            .condition_expression("running = :yes")
            .expression_attribute_values(":doc", document(stopped)?)
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        Ok(written(res)?.is_some())
    }
}

impl MessageStore {
    /// Pushes and rewards per variant of experiment `id`, over send days `from..=to`.
    pub async fn experiment_counts(
        &self,
        id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<String, VariantCounts>, StoreError> {
        let prefix = format!("experiment#{id}#");
        let mut counts: BTreeMap<String, VariantCounts> = BTreeMap::new();
        let mut day = from;
        while day <= to {
            let items: Vec<Item> = self
                .client()
                .query()
                .table_name(self.stats_table())
                .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                .expression_attribute_values(":pk", AttributeValue::S(day_pk(day)))
                .expression_attribute_values(":p", AttributeValue::S(prefix.clone()))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(StoreError::dynamo)?;
            for item in &items {
                let Some(variant) = item
                    .get("sk")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|sk| sk.strip_prefix(&prefix))
                else {
                    continue;
                };
                let n = |k: &str| {
                    item.get(k)
                        .and_then(|v| v.as_n().ok())
                        .and_then(|s| s.parse::<u64>().ok())
                        .unwrap_or(0)
                };
                let c = counts.entry(variant.to_owned()).or_default();
                c.sent += n("sent");
                c.rewarded += n("rewarded");
            }
            day += Duration::days(1);
        }
        Ok(counts)
    }
}
