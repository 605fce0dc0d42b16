//! The app's manual run (`POST /coaching/generate`): the engine now for one user, within
//! their caps and quiet hours, rate-limited per user ([`MAX_RUNS_PER_HOUR`] a clock hour).
//!
//! Erasure: a run an erasure overtook undoes what it stored (checked after its writes).
//!
//! Idempotence: each planned message's id comes from (user, trigger occurrence) and is stored
//! with a conditional put, so a retried or concurrent run reports the occurrence as already
//! planned instead of storing it twice.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Generator;
use crate::app::{AppError, Stores};
use crate::aws::dynamo::messages::MAX_MESSAGES_READ;
use crate::aws::dynamo::Created;
use crate::domain::messages::Message;
use crate::domain::user::UserId;
use crate::engine::history::HistoryEntry;
use crate::engine::plan::Skipped;
use crate::engine::retention::survives_erasure;
use crate::views::summary::nothing_planned_because;

/// Manual runs a user may start per clock hour.
pub const MAX_RUNS_PER_HOUR: u32 = 6;

/// What a manual run did.
#[derive(Serialize, Debug)]
pub struct ManualRun {
    /// Messages stored by this run.
    pub planned: Vec<Message>,
    /// Occurrences a concurrent or earlier run had already stored.
    pub already_planned: Vec<String>,
    pub skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nothing_planned_because: Option<String>,
}

/// A manual run, or the seconds until the user may start one, or an erasure that overtook it
/// (what it stored is undone).
#[derive(Debug)]
pub enum Generated {
    Ran(ManualRun),
    RateLimited { retry_after_secs: i64 },
    Erased,
}

/// Runs the engine for `user` at `now` and stores what it planned, unless the user's runs
/// this clock hour are used up (the window is counted before anything is read).
pub async fn generate_now(
    stores: &Stores,
    user: &UserId,
    now: DateTime<Utc>,
) -> Result<Generated, AppError> {
    let hour = now.timestamp() - now.timestamp().rem_euclid(3600);
    if !stores
        .profiles
        .take_rate(user, "generate", hour, 3600, MAX_RUNS_PER_HOUR)
        .await?
    {
        return Ok(Generated::RateLimited {
            retry_after_secs: hour + 3600 - now.timestamp(),
        });
    }
    let (profile, history) = tokio::try_join!(
        stores.profiles.profile(user),
        stores.messages.recent(user, None, MAX_MESSAGES_READ)
    )?;
    let generator = Generator::from_store(&stores.templates, &stores.messages).await?;
    let history: Vec<HistoryEntry> = history.iter().map(HistoryEntry::of).collect();
    let plan = generator
        .plan_now(&stores.messages, user, &profile, &history, now)
        .await?;
    let mut run = ManualRun {
        planned: Vec::new(),
        already_planned: Vec::new(),
        skipped: plan.skipped,
        nothing_planned_because: None,
    };
    for planned in &plan.messages {
        let message = planned.scheduled(now);
        match stores.messages.create(user, &message).await? {
            Created::New => run.planned.push(message),
            Created::Exists => run.already_planned.push(planned.occurrence.clone()),
        }
    }
    if !run.planned.is_empty() && !survives_erasure(now, stores.profiles.erased_at(user).await?) {
        let ids: Vec<(UserId, String)> = run
            .planned
            .iter()
            .map(|m| (user.clone(), m.id.clone()))
            .collect();
        stores.messages.delete_messages(&ids).await?;
        return Ok(Generated::Erased);
    }
    if run.planned.is_empty() {
        run.nothing_planned_because = Some(
            nothing_planned_because(
                profile.preferences.preferences.coaching_enabled,
                run.skipped.is_empty() && run.already_planned.is_empty(),
            )
            .to_owned(),
        );
    }
    Ok(Generated::Ran(run))
}
