//! Device items of the profiles table (`sk = DEVICE#<deviceId>`).

use aws_sdk_dynamodb::types::AttributeValue;

use super::profiles::{ProfileStore, DEVICE_PREFIX};
use super::StoreError;
use crate::domain::devices::Device;
use crate::domain::user::UserId;

fn device_sk(id: &str) -> String {
    format!("{DEVICE_PREFIX}{id}")
}

impl ProfileStore {
    /// One device of the user, or `None`.
    pub async fn device(&self, user: &UserId, id: &str) -> Result<Option<Device>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(Self::item_key(user, &device_sk(id))))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        out.item
            .map(|i| serde_dynamo::from_item(i).map_err(StoreError::corrupt("device")))
            .transpose()
    }

    /// Stores the device (a full-item put: repeating it stores the same thing).
    pub async fn put_device(&self, user: &UserId, device: &Device) -> Result<(), StoreError> {
        let mut item: super::batch::Item =
            serde_dynamo::to_item(device).map_err(StoreError::corrupt("device"))?;
        item.extend(Self::item_key(user, &device_sk(&device.device_id)));
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(())
    }

    /// Marks the device disabled if it still has endpoint `arn` (a re-registration since
    /// then keeps its new endpoint enabled). False if it changed or is gone.
    pub async fn disable_device(
        &self,
        user: &UserId,
        id: &str,
        arn: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let res = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(Self::item_key(user, &device_sk(id))))
            .update_expression("SET enabled = :f, updated_at = :now")
            .condition_expression("endpoint_arn = :arn")
            .expression_attribute_values(":f", AttributeValue::Bool(false))
            .expression_attribute_values(":arn", AttributeValue::S(arn.to_owned()))
            .expression_attribute_values(
                ":now",
                AttributeValue::S(now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            )
            .send()
            .await;
        Ok(super::written(res)?.is_some())
    }

    /// Deletes the device item; deleting an absent one is not an error.
    pub async fn delete_device(&self, user: &UserId, id: &str) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Self::item_key(user, &device_sk(id))))
            .send()
            .await
            .map_err(StoreError::dynamo)?;
        Ok(())
    }
}
