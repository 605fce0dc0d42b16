//! Fires template.yaml's schedules, as EventBridge Scheduler would: each minute, every
//! schedule whose expression matches the minute (in its zone) invokes its function with its
//! input, asynchronously: through the schedule's tap queue, whose feeder retries a failed run
//! and whose redrive hands it to the function's on-failure destination after its attempts
//! (`stack::Stack::provision`). The host also fires one on demand
//! (`POST /_local/schedules/{function}`), synchronously, answering the run's outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::cron::Expression;
use crate::host::Host;
use crate::runtime::Outcome;

/// A schedule ready to fire.
#[derive(Debug, Clone)]
pub struct Armed {
    pub function: String,
    /// The schedule's event name (its tap queue is the host's `tap(function, event)`).
    pub event: String,
    pub expression: Expression,
    pub zone: Tz,
    pub input: String,
}

/// Parses every schedule of the host's functions; a bad expression or zone is an error that
/// names the function.
pub fn arm(host: &Host) -> Result<Vec<Armed>, String> {
    host.schedules()
        .iter()
        .map(|(function, s)| {
            let expression = Expression::parse(&s.expression)
                .map_err(|e| format!("{function}.{}: {e}", s.event))?;
            let zone = match &s.timezone {
                Some(z) => z
                    .parse::<Tz>()
                    .map_err(|_| format!("{function}.{}: unknown zone {z}", s.event))?,
                None => chrono_tz::UTC,
            };
            Ok(Armed {
                function: function.clone(),
                event: s.event.clone(),
                expression,
                zone,
                input: s.input.clone().unwrap_or_else(|| "{}".into()),
            })
        })
        .collect()
}

/// Invokes `function` with the input of its schedule.
pub async fn fire(host: &Host, function: &str) -> Option<Outcome> {
    let input = host
        .schedules()
        .iter()
        .find(|(f, _)| f == function)
        .map(|(_, s)| s.input.clone().unwrap_or_else(|| "{}".into()))?;
    host.invoke(function, input.into()).await
}

/// Fires the armed schedules at each minute boundary until the task is aborted: into each
/// schedule's tap queue (`sqs`), or straight to the function when it has none.
pub fn start(
    host: Arc<Host>,
    sqs: aws_sdk_sqs::Client,
    armed: Vec<Armed>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Utc::now();
        loop {
            let now = Utc::now();
            let wait = 60 - u64::from(now.second());
            tokio::time::sleep(Duration::from_secs(wait)).await;
            let minute: DateTime<Utc> = Utc::now();
            let since = (minute - started).num_minutes().max(0) as u64;
            for a in &armed {
                let local = minute.with_timezone(&a.zone).naive_local();
                if !a.expression.fires_at(local, since) {
                    continue;
                }
                tracing::info!(function = %a.function, "schedule fired");
                if let Some(tap) = host.tap(&a.function, &a.event) {
                    let sent = sqs
                        .send_message()
                        .queue_url(tap)
                        .message_body(&a.input)
                        .send()
                        .await;
                    if let Err(e) = sent {
                        tracing::warn!(function = %a.function, error = %e, "schedule not handed over");
                    }
                    continue;
                }
                let host = host.clone();
                let (function, input) = (a.function.clone(), a.input.clone());
                tokio::spawn(async move {
                    if let Some(Outcome::FunctionError(e)) =
                        host.invoke(&function, input.into()).await
                    {
                        tracing::warn!(%function, error = %String::from_utf8_lossy(&e), "scheduled run failed");
                    }
                });
            }
        }
    })
}
