//! Per-user rate limits in the profiles table (`sk = RATE#<name>#<window start>`, removed by
//! TTL once the window is over; an erasure leaves them, so it does not reset the limits).

use aws_sdk_dynamodb::types::AttributeValue;

use super::profiles::{ProfileStore, RATE_PREFIX};
use super::StoreError;
use crate::domain::user::UserId;

impl ProfileStore {
    /// Takes one of `max` uses of `name` in the fixed window starting at `window_start` (epoch
    /// seconds) and lasting `window_secs`. One conditional counter update: concurrent callers
    /// can never take more than `max` between them. False when the window is used up.
    pub async fn take_rate(
        &self,
        user: &UserId,
        name: &str,
        window_start: i64,
        window_secs: i64,
        max: u32,
    ) -> Result<bool, StoreError> {
        let res = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::item_key(
                user,
                &format!("{RATE_PREFIX}{name}#{window_start}"),
            )))
            .update_expression("ADD uses :one SET expires_at = :exp")
            .condition_expression("attribute_not_exists(uses) OR uses < :max")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()))
            .expression_attribute_values(
                ":exp",
                AttributeValue::N((window_start + window_secs).to_string()),
            )
            .send()
            .await;
        Ok(super::written(res)?.is_some())
    }
}
