//! `admin-seed-templates` (`{}`): stores the built-in templates that are not stored yet
//! (`coaching::app::catalogue::seed_defaults`), so it can run any number of times and never
//! overwrites an admin's edit.

use chrono::Utc;
use coaching::app::catalogue::{seed_defaults, Seeding};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::common::admin::{payload, AdminError, NoFields};
use crate::Stores;

/// `admin-seed-templates`.
pub async fn handle(stores: &Stores, event: LambdaEvent<Value>) -> Result<Seeding, AdminError> {
    let _: NoFields = payload(event.payload)?;
    Ok(seed_defaults(&stores.templates, Utc::now()).await?)
}
