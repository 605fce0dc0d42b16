//! The learners' fitted model in the statistics table, one version per fit day:
//!
//! | item | `pk` | `sk` | access |
//! |---|---|---|---|
//! | a fitted model (JSON in `model`) | `MODEL` | fit day `YYYY-MM-DD` | PutItem (job-fit-model; a rerun the same day replaces it); Query newest first; GetItem |
//!
//! Versions expire after [`MODEL_RETENTION_DAYS`] (TTL `expires_at`).

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, NaiveDate, Utc};

use super::messages::MessageStore;
use super::StoreError;
use crate::engine::learned::Model;

/// Days a fitted version is kept.
pub const MODEL_RETENTION_DAYS: i64 = 90;

const MODEL_PK: &str = "MODEL";

fn decode(item: &super::batch::Item) -> Result<Option<Model>, StoreError> {
    super::batch::json_document(item, "model")
}

impl MessageStore {
    /// Stores `model` as the version of its fit day (replacing an earlier fit of that day, so
    /// a rerun of the job is harmless).
    pub async fn put_model(&self, model: &Model) -> Result<NaiveDate, StoreError> {
        let fitted = model.fitted_at.unwrap_or_else(Utc::now);
        let day = fitted.date_naive();
        let text = serde_json::to_string(model).map_err(StoreError::corrupt("model"))?;
        self.client()
            .put_item()
            .table_name(self.stats_table())
            .item("pk", AttributeValue::S(MODEL_PK.into()))
            .item("sk", AttributeValue::S(day.to_string()))
            .item("model", AttributeValue::S(text))
            .item(
                "expires_at",
                AttributeValue::N(
                    (fitted + Duration::days(MODEL_RETENTION_DAYS))
                        .timestamp()
                        .to_string(),
                ),
            )
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(day)
    }

    /// The newest stored model, if any was fitted.
    pub async fn latest_model(&self) -> Result<Option<Model>, StoreError> {
        let out = self
            .client()
            .query()
            .table_name(self.stats_table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(MODEL_PK.into()))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        match out.items.unwrap_or_default().first() {
            Some(item) => decode(item),
            None => Ok(None),
        }
    }

    /// The model fitted on `day`, if stored.
    pub async fn model(&self, day: NaiveDate) -> Result<Option<Model>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.stats_table())
            .key("pk", AttributeValue::S(MODEL_PK.into()))
            .key("sk", AttributeValue::S(day.to_string()))
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        match out.item {
            Some(item) => decode(&item),
            None => Ok(None),
        }
    }

    /// The fit days of the stored versions, newest first (every page, by the SDK's paginator).
    pub async fn model_versions(&self) -> Result<Vec<NaiveDate>, StoreError> {
        let items: Vec<super::batch::Item> = self
            .client()
            .query()
            .table_name(self.stats_table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(MODEL_PK.into()))
            .projection_expression("sk")
            .scan_index_forward(false)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(items
            .iter()
            .filter_map(|i| i.get("sk")?.as_s().ok()?.parse::<NaiveDate>().ok())
            .collect())
    }
}
