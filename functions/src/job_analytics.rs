//! `job-analytics` (daily 02:00 UTC): yesterday's report from its counters, with the
//! streak-risk model in use and its calibration, stored (`coaching::app::analytics`; a rerun
//! replaces it with the same figures plus any late interactions).

use chrono::{Duration, Utc};
use coaching::app::analytics::compute_and_store;
use coaching::views::analytics::DailyReport;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::common::failure;
use crate::Stores;

/// Computes and stores yesterday's report.
pub async fn handle(stores: &Stores, _event: LambdaEvent<Value>) -> Result<DailyReport, Error> {
    let date = (Utc::now() - Duration::days(1)).date_naive();
    let r = compute_and_store(&stores.messages, date)
        .await
        .map_err(failure)?;
    tracing::info!(%date, sent = r.overall.sent, "daily report stored");
    Ok(r)
}
