//! The templates table: the catalogue admins manage (`admin-templates`), read by generation.
//!
//! | item | `pk` | `sk` | access |
//! |---|---|---|---|
//! | template | `TEMPLATE` | template id | Query `pk` (the whole catalogue, small); GetItem; PutItem (upsert; seeding with `attribute_not_exists`); UpdateItem (disable) |
//!
//! The template is stored as its JSON document with `version` (1 on creation, +1 per write).

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::batch::{pk_sk, Item};
use super::StoreError;
use crate::engine::templates::Template;

const PK: &str = "TEMPLATE";

/// A stored template with its version and last write.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct StoredTemplate {
    pub version: u64,
    pub updated_at: String,
    pub template: Template,
}

/// Whether a seed wrote the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    Created,
    AlreadyThere,
}

/// Reads and writes templates.
#[derive(Clone, Debug)]
pub struct TemplateStore {
    client: Client,
    table: String,
}

fn key(id: &str) -> Item {
    pk_sk(PK, id)
}

fn decode(item: &Item) -> Result<StoredTemplate, StoreError> {
    let text = item
        .get("template")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::missing("template item without a document"))?;
    let mut template: Template =
        serde_json::from_str(text).map_err(StoreError::corrupt("template"))?;
    if let Some(enabled) = item.get("enabled").and_then(|v| v.as_bool().ok()) {
        template.enabled = *enabled;
    }
    Ok(StoredTemplate {
        version: item
            .get("version")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        updated_at: item
            .get("updated_at")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default(),
        template,
    })
}

impl TemplateStore {
    /// Templates in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        TemplateStore {
            client,
            table: table.into(),
        }
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn table(&self) -> &str {
        &self.table
    }

    /// Every stored template (enabled or not), by id.
    pub async fn list(&self) -> Result<Vec<StoredTemplate>, StoreError> {
        let items: Vec<Item> = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(PK.into()))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(StoreError::dynamo)?;
        items.iter().map(decode).collect()
    }

    /// One template, or `None`.
    pub async fn get(&self, id: &str) -> Result<Option<StoredTemplate>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        out.item.as_ref().map(decode).transpose()
    }

    fn item(t: &Template, version: u64, now: DateTime<Utc>) -> Result<Item, StoreError> {
        let mut item = key(&t.id);
        item.insert(
            "template".into(),
            AttributeValue::S(serde_json::to_string(t).map_err(StoreError::corrupt("template"))?),
        );
        item.insert("enabled".into(), AttributeValue::Bool(t.enabled));
        item.insert("version".into(), AttributeValue::N(version.to_string()));
        item.insert(
            "updated_at".into(),
            AttributeValue::S(now.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
        Ok(item)
    }

    /// Stores `t` (validated by the caller), replacing any earlier version: a full put, so
    /// repeating it stores the same template. Returns the new version.
    pub async fn upsert(&self, t: &Template, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let version = self.get(&t.id).await?.map_or(0, |s| s.version) + 1;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(t, version, now)?))
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(version)
    }

    /// Stores `t` only if no template has its id (seeding never overwrites an admin's edit).
    pub async fn seed(&self, t: &Template, now: DateTime<Utc>) -> Result<Seeded, StoreError> {
        let res = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(t, 1, now)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match super::written(res)? {
            Some(_) => Ok(Seeded::Created),
            None => Ok(Seeded::AlreadyThere),
        }
    }

    /// Disables a template (generation stops choosing it); `None` if there is no such template.
    pub async fn disable(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredTemplate>, StoreError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(id)))
            .update_expression("SET enabled = :f, updated_at = :now ADD version :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(
                ":now",
                AttributeValue::S(now.to_rfc3339_opts(SecondsFormat::Millis, true)),
            )
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match super::written(res)? {
            Some(out) => out.attributes.as_ref().map(decode).transpose(),
            None => Ok(None),
        }
    }
}
