//! `job-health` (hourly) and `admin-system-health`: due and overdue queue depth, stuck
//! messages, today's delivery success and dead letters, as JSON and as CloudWatch metrics
//! (the alarms in template.yaml watch them).

use chrono::Utc;
use coaching::app::health::{check, HealthReport};
use coaching::aws::sqs::WorkQueue;
use coaching::views::metrics;
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

use crate::admin::{payload, AdminError, NoFields};
use crate::Stores;

/// What the health check reads.
pub struct Health {
    pub stores: Stores,
    /// Dead-letter queues by name (`DEAD_LETTER_QUEUES`: `name=url,name=url`).
    pub dead_letters: Vec<(String, WorkQueue)>,
}

/// The health clients.
pub async fn clients() -> Result<Health, Error> {
    let sqs = aws_sdk_sqs::Client::new(&coaching::aws::sdk_config().await);
    let spec = coaching::config::required("DEAD_LETTER_QUEUES")?;
    let mut dead_letters = Vec::new();
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        let (name, url) = part
            .split_once('=')
            .ok_or_else(|| format!("DEAD_LETTER_QUEUES: `{part}` is not name=url"))?;
        dead_letters.push((
            name.trim().to_owned(),
            WorkQueue::new(sqs.clone(), url.trim()),
        ));
    }
    Ok(Health {
        stores: crate::stores().await?,
        dead_letters,
    })
}

async fn report(h: &Health, function: &str) -> Result<HealthReport, Error> {
    let r = check(&h.stores.messages, &h.dead_letters, Utc::now()).await?;
    let mut figures = vec![
        ("DueNow", r.due_now as f64, "Count"),
        ("Overdue", r.overdue as f64, "Count"),
        ("StuckMessages", r.stuck as f64, "Count"),
        (
            "DeadLetters",
            r.dead_letters.values().sum::<u64>() as f64,
            "Count",
        ),
    ];
    if let Some(rate) = r.delivery_today.success_rate {
        figures.push(("DeliverySuccessRate", rate, "None"));
    }
    metrics::emit(function, &figures);
    if r.problems.is_empty() {
        tracing::info!(?r, "healthy");
    } else {
        tracing::warn!(problems = ?r.problems, "degraded");
    }
    Ok(r)
}

/// The hourly check.
pub async fn handle(h: &Health, _event: LambdaEvent<Value>) -> Result<HealthReport, Error> {
    report(h, "job-health").await
}

/// `admin-system-health` (`{}`).
pub async fn admin(h: &Health, event: LambdaEvent<Value>) -> Result<HealthReport, AdminError> {
    let _: NoFields = payload(event.payload)?;
    report(h, "admin-system-health")
        .await
        .map_err(AdminError::internal("checking health"))
}
