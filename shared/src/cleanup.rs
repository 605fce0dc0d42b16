//! The retention policy for what TTL does not cover (items written before a policy change,
//! or a shorter retention an admin asks for): messages sent more than `days` ago are deleted,
//! except those the user acted on, which are kept for the longer of `days` and
//! [`ACTED_RETENTION_DAYS`] after the action. A parallel Scan (cleanup is one of the two
//! places allowed to scan) with the policy as a filter, deletes in batches.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use futures::future::try_join_all;
use serde::Serialize;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use crate::messages::{ACTED_RETENTION_DAYS, RETENTION_DAYS};
use crate::store::batch::{delete_keys, Item};
use crate::store::StoreError;

/// Scan segments run at once.
pub const SEGMENTS: i32 = 4;
/// Fewest and most days an admin may ask for.
pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 3650;

/// The cut-off times of a cleanup.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub days: i64,
    /// Messages sent before this (and not acted on) go.
    pub sent_before: DateTime<Utc>,
    /// Messages acted on before this go.
    pub acted_before: DateTime<Utc>,
}

impl Policy {
    /// The policy for `days` (the default [`RETENTION_DAYS`] when `None`) at `now`.
    pub fn new(days: Option<i64>, now: DateTime<Utc>) -> Self {
        let days = days.unwrap_or(RETENTION_DAYS);
        Policy {
            days,
            sent_before: now - Duration::days(days),
            acted_before: now - Duration::days(days.max(ACTED_RETENTION_DAYS)),
        }
    }
}

/// What a cleanup did.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleaned {
    pub policy: Policy,
    pub scanned: u64,
    pub deleted: u64,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn segment(
    client: &Client,
    table: &str,
    policy: &Policy,
    seg: i32,
) -> Result<(u64, u64), StoreError> {
    let (mut scanned, mut deleted) = (0, 0);
    let mut start: Option<Item> = None;
    loop {
        let out = client
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
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(format!("{e:?}")))?;
        scanned += out.scanned_count.max(0) as u64;
        let keys = out.items.unwrap_or_default();
        deleted += keys.len() as u64;
        delete_keys(client, table, keys).await?;
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok((scanned, deleted));
        }
    }
}

/// Deletes the messages `policy` says to; deleting is idempotent, so a rerun is harmless.
pub async fn clean(client: &Client, table: &str, policy: Policy) -> Result<Cleaned, StoreError> {
    let done = try_join_all((0..SEGMENTS).map(|s| segment(client, table, &policy, s))).await?;
    Ok(Cleaned {
        policy,
        scanned: done.iter().map(|d| d.0).sum(),
        deleted: done.iter().map(|d| d.1).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acted_on_messages_are_kept_at_least_a_year() {
        let now = Utc::now();
        let p = Policy::new(None, now);
        assert_eq!(p.days, 90);
        assert_eq!(now - p.sent_before, Duration::days(90));
        assert_eq!(now - p.acted_before, Duration::days(365));
        let short = Policy::new(Some(7), now);
        assert_eq!(now - short.acted_before, Duration::days(365));
        let long = Policy::new(Some(500), now);
        assert_eq!(now - long.acted_before, Duration::days(500));
    }
}
