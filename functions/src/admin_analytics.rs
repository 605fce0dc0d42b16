//! `admin-analytics` (`{"date": "YYYY-MM-DD", "recompute": bool}`): a stored daily report,
//! or one computed now (today's, a missing one, or when asked to recompute;
//! `coaching::app::analytics::report_for`).

use chrono::{Duration, NaiveDate, Utc};
use coaching::app::analytics::{check_date, report_for};
use coaching::views::analytics::DailyReport;
use lambda_runtime::LambdaEvent;
use serde::Deserialize;
use serde_json::Value;

use crate::common::admin::{payload, AdminError};
use crate::Stores;

/// The `admin-analytics` payload.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct AnalyticsInput {
    /// The day (UTC); yesterday when absent.
    pub date: Option<NaiveDate>,
    /// Compute and store it again from the counters.
    #[serde(default)]
    pub recompute: bool,
}

/// `admin-analytics`.
pub async fn handle(stores: &Stores, event: LambdaEvent<Value>) -> Result<DailyReport, AdminError> {
    let input: AnalyticsInput = payload(event.payload)?;
    let today = Utc::now().date_naive();
    let date = input.date.unwrap_or(today - Duration::days(1));
    check_date(date, today).map_err(|e| AdminError::invalid(&[e]))?;
    Ok(report_for(&stores.messages, date, input.recompute).await?)
}
