//! Batched reads and writes: whole partitions' keys, and BatchWriteItem with unprocessed items
//! retried under exponential backoff with full jitter.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::StoreError;
use crate::aws::retry::until_all_taken;

/// An item's key (or a whole item).
pub type Item = HashMap<String, AttributeValue>;

/// The key of an item: `pk` and `sk`.
pub fn pk_sk(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    Item::from([
        ("pk".to_owned(), AttributeValue::S(pk.into())),
        ("sk".to_owned(), AttributeValue::S(sk.into())),
    ])
}

/// The JSON document an item keeps in string attribute `name`, read as `T`; `None` when the
/// item has no such attribute.
pub fn json_document<T: serde::de::DeserializeOwned>(
    item: &Item,
    name: &str,
) -> Result<Option<T>, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(|text| serde_json::from_str(text).map_err(StoreError::corrupt("JSON document")))
        .transpose()
}

/// Most requests in one BatchWriteItem.
pub const BATCH_WRITE_MAX: usize = 25;
/// Attempts at a batch's unprocessed items before giving up.
pub const BATCH_ATTEMPTS: u32 = 8;

/// The keys (`pk`, `sk`) of every item in partition `pk`, read with a paginated Query.
pub async fn partition_keys(
    client: &Client,
    table: &str,
    pk: &str,
) -> Result<Vec<Item>, StoreError> {
    client
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
        .projection_expression("pk, sk")
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(StoreError::dynamo)
}

/// Deletes these keys in batches of 25. Deleting an absent key is not an error, so a retry
/// of the whole call is harmless.
pub async fn delete_keys(client: &Client, table: &str, keys: Vec<Item>) -> Result<(), StoreError> {
    let requests = keys
        .into_iter()
        .map(|k| {
            DeleteRequest::builder()
                .set_key(Some(k))
                .build()
                .map(|d| WriteRequest::builder().delete_request(d).build())
                .map_err(StoreError::dynamo)
        })
        .collect::<Result<Vec<_>, _>>()?;
    write_all(client, table, requests).await
}

/// A batch write request putting `item` whole.
pub fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map(|p| WriteRequest::builder().put_request(p).build())
        .map_err(StoreError::dynamo)
}

/// Batches in flight at once per call (write and read).
pub const BATCHES_IN_FLIGHT: usize = 4;

/// Writes every request, 25 at a time with [`BATCHES_IN_FLIGHT`] batches at once; unprocessed
/// items are retried with backoff and jitter up to [`BATCH_ATTEMPTS`] times. Each request must
/// be idempotent on its own (a put of a full item, a delete), so a retry after a partial
/// success repeats nothing harmful.
pub async fn write_all(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
) -> Result<(), StoreError> {
    stream::iter(requests.chunks(BATCH_WRITE_MAX).map(<[_]>::to_vec))
        .map(|chunk| write_batch(client, table, chunk))
        .buffer_unordered(BATCHES_IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

async fn write_batch(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
) -> Result<(), StoreError> {
    until_all_taken(
        requests,
        BATCH_ATTEMPTS,
        |pending| async move {
            let out = client
                .batch_write_item()
                .request_items(table, pending)
                .send()
                .await
                .map_err(StoreError::dynamo)?;
            let left = out.unprocessed_items.and_then(|mut u| u.remove(table));
            Ok(((), left.filter(|l| !l.is_empty())))
        },
        |attempts, left| StoreError::Unprocessed {
            op: "batch_write_item",
            left: left.len(),
            attempts,
        },
    )
    .await?;
    Ok(())
}

/// Most keys in one BatchGetItem.
pub const BATCH_GET_MAX: usize = 100;

/// Reads these keys of `table`, [`BATCH_GET_MAX`] per BatchGetItem and
/// [`BATCHES_IN_FLIGHT`] at once; unprocessed keys are read again with backoff and jitter up
/// to [`BATCH_ATTEMPTS`] times. Reads are strongly consistent. Absent keys are absent from
/// the answer; the order is not the keys' order.
pub async fn get_all(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    projection: Option<&str>,
) -> Result<Vec<Item>, StoreError> {
    let found: Vec<Vec<Item>> = stream::iter(keys.chunks(BATCH_GET_MAX).map(<[_]>::to_vec))
        .map(|chunk| get_batch(client, table, chunk, projection))
        .buffer_unordered(BATCHES_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

async fn get_batch(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    projection: Option<&str>,
) -> Result<Vec<Item>, StoreError> {
    let request = KeysAndAttributes::builder()
        .set_keys(Some(keys))
        .consistent_read(true)
        .set_projection_expression(projection.map(str::to_owned))
        .build()
        .map_err(StoreError::dynamo)?;
    let found = until_all_taken(
        request,
        BATCH_ATTEMPTS,
        |req| async move {
            let out = client
                .batch_get_item()
                .request_items(table, req)
                .send()
                .await
                .map_err(StoreError::dynamo)?;
            let found = out
                .responses
                .and_then(|mut r| r.remove(table))
                .unwrap_or_default();
            let left = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(table))
                .filter(|k| !k.keys().is_empty());
            Ok((found, left))
        },
        |attempts, left| StoreError::Unprocessed {
            op: "batch_get_item",
            left: left.keys().len(),
            attempts,
        },
    )
    .await?;
    Ok(found.into_iter().flatten().collect())
}
