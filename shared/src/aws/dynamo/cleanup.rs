//! Cleanup's parallel Scan of the messages table (cleanup is one of the two places allowed to
//! scan) with an [`engine::retention::Policy`](crate::engine::retention::Policy) as the filter,
//! deleting in batches.

use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::try_join_all;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::batch::delete_keys;
use super::StoreError;
use crate::engine::retention::{Cleaned, Policy};

/// Scan segments run at once.
pub const SEGMENTS: i32 = 4;

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn segment(
    client: &Client,
    table: &str,
    profiles_table: &str,
    policy: &Policy,
    seg: i32,
) -> Result<(u64, u64), StoreError> {
    let (mut scanned, mut deleted) = (0, 0);
    let mut pages = client
        .scan()
        .table_name(table)
        .segment(seg)
        .total_segments(SEGMENTS)
        .filter_expression(
            "begins_with(sk, :msg) AND ((attribute_not_exists(acted_at) AND send_at < :sent) \
                 OR acted_at < :acted)",
        )
        .expression_attribute_values(":msg", AttributeValue::S("MSG#".into()))
        .expression_attribute_values(":sent", AttributeValue::S(stamp(policy.sent_before)))
        .expression_attribute_values(":acted", AttributeValue::S(stamp(policy.acted_before)))
        .projection_expression("pk, sk")
        .into_paginator()
        .send();
    // Each page's keys are deleted before the next page is read; the messages' ledger
    // entries after them (see `MessageStore::delete_messages`).
    while let Some(page) = pages.next().await {
        let page = page.map_err(StoreError::dynamo)?;
        scanned += page.scanned_count.max(0) as u64;
        let keys = page.items.unwrap_or_default();
        deleted += keys.len() as u64;
        let entries = keys
            .iter()
            .filter_map(super::ledger::entry_key_of)
            .collect();
        delete_keys(client, table, keys).await?;
        delete_keys(client, profiles_table, entries).await?;
    }
    Ok((scanned, deleted))
}

/// Deletes the messages `policy` says to, and their ledger entries in `profiles_table`;
/// deleting is idempotent, so a rerun is harmless.
pub async fn clean(
    client: &Client,
    table: &str,
    profiles_table: &str,
    policy: Policy,
) -> Result<Cleaned, StoreError> {
    let done =
        try_join_all((0..SEGMENTS).map(|s| segment(client, table, profiles_table, &policy, s)))
            .await?;
    Ok(Cleaned {
        policy,
        scanned: done.iter().map(|d| d.0).sum(),
        deleted: done.iter().map(|d| d.1).sum(),
    })
}
