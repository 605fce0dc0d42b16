//! `job-analytics` (daily 02:00 UTC): yesterday's report from its counters (with the
//! streak-risk model in use and its calibration), stored; and
//! `admin-analytics` (`{"date": "YYYY-MM-DD", "recompute": bool}`): a stored report, or one
//! computed now (today's, a missing one, or when asked to recompute).

use chrono::{Duration, NaiveDate, Utc};
use coaching::aws::dynamo::MessageStore;
use coaching::domain::preferences::FieldError;
use coaching::views::analytics::{report, DailyReport};
use coaching::views::counters::DAILY_RETENTION_DAYS;
use lambda_runtime::{Error, LambdaEvent};
use serde::Deserialize;
use serde_json::Value;

use crate::admin::{payload, AdminError};

async fn compute(messages: &MessageStore, date: NaiveDate) -> Result<DailyReport, Error> {
    let mut r = report(date, &messages.daily_counters(date).await?);
    r.risk_model = messages.latest_model().await?.and_then(|m| m.risk);
    Ok(r)
}

/// Computes and stores yesterday's report (a rerun replaces it with the same figures plus
/// any late interactions).
pub async fn handle(
    messages: &MessageStore,
    _event: LambdaEvent<Value>,
) -> Result<DailyReport, Error> {
    let date = (Utc::now() - Duration::days(1)).date_naive();
    let r = compute(messages, date).await?;
    messages.put_report(date, &r).await?;
    tracing::info!(%date, sent = r.overall.sent, "daily report stored");
    Ok(r)
}

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
pub async fn admin(
    messages: &MessageStore,
    event: LambdaEvent<Value>,
) -> Result<DailyReport, AdminError> {
    let input: AnalyticsInput = payload(event.payload)?;
    let today = Utc::now().date_naive();
    let date = input.date.unwrap_or(today - Duration::days(1));
    if date > today {
        return Err(AdminError::invalid(&[FieldError::new(
            "date",
            "is in the future",
        )]));
    }
    if date < today - Duration::days(DAILY_RETENTION_DAYS) {
        return Err(AdminError::invalid(&[FieldError::new(
            "date",
            format!("is older than the {DAILY_RETENTION_DAYS} days counters and reports are kept"),
        )]));
    }
    if !input.recompute && date < today {
        if let Some(r) = messages
            .report::<DailyReport>(date)
            .await
            .map_err(AdminError::internal("reading the report"))?
        {
            return Ok(r);
        }
    }
    let r = compute(messages, date)
        .await
        .map_err(AdminError::internal("computing the report"))?;
    if date < today {
        messages
            .put_report(date, &r)
            .await
            .map_err(AdminError::internal("storing the report"))?;
    }
    Ok(r)
}
