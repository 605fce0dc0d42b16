//! The daily report: computed from a day's counters (with the streak-risk model in use and
//! its calibration) and stored, one item per day, replaced by a rerun.

use chrono::{Duration, NaiveDate, Utc};

use crate::aws::dynamo::{MessageStore, StoreError};
use crate::domain::preferences::FieldError;
use crate::views::analytics::{report, DailyReport};
use crate::views::counters::DAILY_RETENTION_DAYS;

/// The report of `date` computed now from its counters.
pub async fn compute(messages: &MessageStore, date: NaiveDate) -> Result<DailyReport, StoreError> {
    let mut r = report(date, &messages.daily_counters(date).await?);
    r.risk_model = messages.latest_model().await?.and_then(|m| m.risk);
    Ok(r)
}

/// Computes and stores the report of `date` (a rerun replaces it with the same figures plus
/// any late interactions).
pub async fn compute_and_store(
    messages: &MessageStore,
    date: NaiveDate,
) -> Result<DailyReport, StoreError> {
    let r = compute(messages, date).await?;
    messages.put_report(date, &r).await?;
    Ok(r)
}

/// Whether a report of `date` can be asked for on `today`: not in the future, not older than
/// the [`DAILY_RETENTION_DAYS`] counters and reports are kept.
pub fn check_date(date: NaiveDate, today: NaiveDate) -> Result<(), FieldError> {
    if date > today {
        return Err(FieldError::new("date", "is in the future"));
    }
    if date < today - Duration::days(DAILY_RETENTION_DAYS) {
        return Err(FieldError::new(
            "date",
            format!("is older than the {DAILY_RETENTION_DAYS} days counters and reports are kept"),
        ));
    }
    Ok(())
}

/// The report of a checked `date`: the stored one of a past day unless `recompute`; else
/// computed now, and stored when the day is over.
pub async fn report_for(
    messages: &MessageStore,
    date: NaiveDate,
    recompute: bool,
) -> Result<DailyReport, StoreError> {
    let today = Utc::now().date_naive();
    if !recompute && date < today {
        if let Some(r) = messages.report::<DailyReport>(date).await? {
            return Ok(r);
        }
    }
    if date < today {
        compute_and_store(messages, date).await
    } else {
        compute(messages, date).await
    }
}
