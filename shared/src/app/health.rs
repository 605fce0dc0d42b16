//! System health: the delivery queue (due now, overdue), stuck claims (resolved here: put
//! back, or recorded sent-unconfirmed), today's delivery success, dead letters. All reads are
//! index Queries, GetItems, GetQueueAttributes and one counter Query; nothing scans.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::aws::dynamo::{MessageStore, StoreError};
use crate::aws::sqs::WorkQueue;
use crate::domain::messages::{Delivery, MessageStatus};
use crate::views::analytics::{report, DeliveryFigures};

/// A message due longer than this is overdue (the deliverer runs every 5 minutes).
pub const OVERDUE_MINUTES: i64 = 15;
/// Most keys counted per due shard (the report says "at least" beyond it).
pub const COUNT_CAP_PER_SHARD: i32 = 1_000;
/// Stuck claims resolved per check at most.
pub const RECOVER_PER_CHECK: usize = 100;
/// Delivery success below this (with enough attempts) is a problem.
pub const MIN_SUCCESS_RATE: f64 = 0.9;
/// Attempts needed before the success rate is judged.
pub const MIN_ATTEMPTS: i64 = 20;

/// A health failure (the report could not be made).
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The state of the system.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct HealthReport {
    pub checked_at: DateTime<Utc>,
    /// `ok` or `degraded`.
    pub status: &'static str,
    pub problems: Vec<String>,
    /// Scheduled messages whose send time has come.
    pub due_now: u64,
    /// Of those, due more than [`OVERDUE_MINUTES`] ago.
    pub overdue: u64,
    /// Claimed for sending, lease ended, never finished, and left after this check's
    /// recovery (see [`recover_stuck`]).
    pub stuck: u64,
    pub stuck_message_ids: Vec<String>,
    /// Messages whose send day is today (UTC).
    pub delivery_today: DeliveryFigures,
    /// Messages waiting in each dead-letter queue.
    pub dead_letters: BTreeMap<String, u64>,
    /// Dead-letter queues that could not be read (SQS unavailable): the rest of the report
    /// stands, and this is a problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dead_letters_unread: Vec<String>,
    /// What this check's recovery of stuck claims did.
    pub recovered: Recovered,
}

/// What the recovery of stuck claims did.
#[derive(Serialize, Debug, Clone, Default, PartialEq)]
pub struct Recovered {
    /// Put back in the due index: no push was recorded, so none went out.
    pub requeued: u64,
    /// Recorded sent, unconfirmed: pushes were recorded, so they went out and are not resent.
    pub sent_unconfirmed: u64,
    pub message_ids: Vec<String>,
}

/// Resolves claims whose lease ended without their end recorded (the deliverer stopped
/// between claiming and recording). A claim with no push recorded goes back to the due index,
/// due now: nothing went out. One with pushes recorded (`MessageStore::note_push`, written as
/// each push is taken) is recorded sent and unconfirmed: it went out and must not go twice.
/// Each write is conditioned on the message still being `sending`, so a deliverer finishing
/// meanwhile, or a second recovery, changes nothing.
pub async fn recover_stuck(
    messages: &MessageStore,
    now: DateTime<Utc>,
) -> Result<Recovered, StoreError> {
    let mut r = Recovered::default();
    let stuck = messages.stuck(now, COUNT_CAP_PER_SHARD).await?;
    // A bounded share per check (three calls each), so the report is always made in time; the
    // rest is resolved by the next checks.
    for key in stuck.into_iter().take(RECOVER_PER_CHECK) {
        let Some(m) = messages.get(&key.user, &key.id).await? else {
            continue;
        };
        if m.status != MessageStatus::Sending {
            continue;
        }
        let pushed = messages.pushed_ids(&key.user, &key.id).await?;
        let done = if pushed.is_empty() {
            let requeued = messages
                .release_claim(&key.user, &key.id, now, m.push_attempts)
                .await?;
            r.requeued += u64::from(requeued);
            requeued
        } else {
            let delivery = Delivery {
                devices: pushed.len() as u32,
                sns_message_ids: pushed,
                failure: None,
                unconfirmed: true,
            };
            let recorded = messages
                .finish_delivery(&key.user, &m, &delivery, now)
                .await?;
            r.sent_unconfirmed += u64::from(recorded);
            recorded
        };
        if done {
            tracing::warn!(message_id = %m.id, requeued = r.requeued, "stuck claim resolved");
            r.message_ids.push(m.id);
        }
    }
    Ok(r)
}

/// What a report shows as problems (pure).
pub fn problems(r: &HealthReport) -> Vec<String> {
    let mut p = Vec::new();
    if r.overdue > 0 {
        p.push(format!(
            "{} messages are overdue by more than {OVERDUE_MINUTES} minutes",
            r.overdue
        ));
    }
    if r.stuck > 0 {
        p.push(format!("{} messages are stuck in sending", r.stuck));
    }
    let attempts = r.delivery_today.sent + r.delivery_today.failed;
    if let Some(rate) = r.delivery_today.success_rate {
        if attempts >= MIN_ATTEMPTS && rate < MIN_SUCCESS_RATE {
            p.push(format!("delivery success today is {:.0} %", rate * 100.0));
        }
    }
    for queue in &r.dead_letters_unread {
        p.push(format!("dead-letter queue {queue} could not be read"));
    }
    for (queue, n) in &r.dead_letters {
        if *n > 0 {
            p.push(format!("{n} messages in dead-letter queue {queue}"));
        }
    }
    p
}

/// Checks the system now.
pub async fn check(
    messages: &MessageStore,
    dead_letter_queues: &[(String, WorkQueue)],
    now: DateTime<Utc>,
) -> Result<HealthReport, HealthError> {
    let due_now = messages.count_due(now, COUNT_CAP_PER_SHARD).await?;
    let overdue = messages
        .count_due(
            now - Duration::minutes(OVERDUE_MINUTES),
            COUNT_CAP_PER_SHARD,
        )
        .await?;
    let stuck = messages.stuck(now, COUNT_CAP_PER_SHARD).await?;
    let today = report(
        now.date_naive(),
        &messages.daily_counters(now.date_naive()).await?,
    );
    let mut dead_letters = BTreeMap::new();
    let mut dead_letters_unread = Vec::new();
    for (name, q) in dead_letter_queues {
        match q.depth().await {
            Ok(n) => {
                dead_letters.insert(name.clone(), n);
            }
            Err(e) => {
                tracing::error!(queue = %name, error = %crate::aws::Chain(&e), "dead-letter queue unread");
                dead_letters_unread.push(name.clone());
            }
        }
    }
    let mut r = HealthReport {
        checked_at: now,
        status: "ok",
        problems: Vec::new(),
        due_now,
        overdue,
        stuck: stuck.len() as u64,
        stuck_message_ids: stuck.into_iter().take(20).map(|k| k.id).collect(),
        delivery_today: today.delivery,
        dead_letters,
        dead_letters_unread,
        recovered: Recovered::default(),
    };
    r.problems = problems(&r);
    if !r.problems.is_empty() {
        r.status = "degraded";
    }
    Ok(r)
}

/// Resolves stuck claims ([`recover_stuck`]), then checks health at `now` and reports the
/// figures as metrics under `function` (the alarms in template.yaml watch them), logging the
/// verdict.
pub async fn check_and_report(
    messages: &MessageStore,
    dead_letters: &[(String, WorkQueue)],
    now: DateTime<Utc>,
    function: &str,
) -> Result<HealthReport, HealthError> {
    let recovered = recover_stuck(messages, now).await?;
    let mut r = check(messages, dead_letters, now).await?;
    r.recovered = recovered;
    let mut figures = vec![
        ("DueNow", r.due_now as f64, "Count"),
        ("Overdue", r.overdue as f64, "Count"),
        ("StuckMessages", r.stuck as f64, "Count"),
        ("StuckRequeued", r.recovered.requeued as f64, "Count"),
        (
            "StuckSentUnconfirmed",
            r.recovered.sent_unconfirmed as f64,
            "Count",
        ),
        (
            "DeadLetters",
            r.dead_letters.values().sum::<u64>() as f64,
            "Count",
        ),
    ];
    if let Some(rate) = r.delivery_today.success_rate {
        figures.push(("DeliverySuccessRate", rate, "None"));
    }
    crate::views::metrics::emit(function, &figures);
    if r.problems.is_empty() {
        tracing::info!(
            due_now = r.due_now,
            overdue = r.overdue,
            stuck = r.stuck,
            dead_letters = r.dead_letters.values().sum::<u64>(),
            "healthy"
        );
    } else {
        tracing::warn!(
            problems = %r.problems.join("; "),
            due_now = r.due_now,
            overdue = r.overdue,
            stuck = r.stuck,
            dead_letters = r.dead_letters.values().sum::<u64>(),
            "degraded"
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn healthy() -> HealthReport {
        HealthReport {
            checked_at: Utc::now(),
            status: "ok",
            problems: Vec::new(),
            due_now: 3,
            overdue: 0,
            stuck: 0,
            stuck_message_ids: Vec::new(),
            delivery_today: DeliveryFigures {
                sent: 95,
                failed: 5,
                expired: 2,
                success_rate: Some(0.95),
            },
            dead_letters: BTreeMap::from([("generate".to_owned(), 0)]),
            dead_letters_unread: Vec::new(),
            recovered: Recovered::default(),
        }
    }

    #[test]
    fn each_kind_of_trouble_is_named() {
        assert!(problems(&healthy()).is_empty());
        let mut r = healthy();
        r.overdue = 4;
        r.stuck = 1;
        r.delivery_today.success_rate = Some(0.5);
        r.dead_letters.insert("activity".into(), 2);
        r.dead_letters_unread.push("generate".into());
        let p = problems(&r);
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(p[0].contains("overdue") && p[1].contains("stuck") && p[2].contains("50 %"));
        assert!(p[3].contains("generate") && p[3].contains("could not be read"));
        assert!(p[4].contains("activity"));
        // Too few attempts to judge the rate.
        let mut few = healthy();
        few.delivery_today = DeliveryFigures {
            sent: 1,
            failed: 2,
            expired: 0,
            success_rate: Some(1.0 / 3.0),
        };
        assert!(problems(&few).is_empty());
    }
}
