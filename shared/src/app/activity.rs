//! Activity events from the app's backend: validated, counted into the user's behaviour
//! summary exactly once, and answered with a celebration right away when they complete a
//! milestone streak.
//!
//! Idempotence: the summary remembers activity ids (see `engine::summary`), so a redelivered
//! event changes nothing; the summary is written with a version condition, so two events of
//! the same user arriving together are both counted (the loser reads again and reapplies).
//! A push delivered at most two hours before the activity is marked rewarded (once, by a
//! conditional update that also counts it). The pushes are found in the user's message
//! ledger, read with the profile: a counted activity reads no history, and reads the message
//! of a push only when it rewards it (its counters need what only the message holds). A
//! ledger that cannot say (not complete yet, a partial item, a delivered push without its
//! delivery time) sends the call back to the history Query.
//! An activity from before the user's erasure is never counted: checked before, and again
//! after the writes, which are undone if an erasure overtook them.
//! The celebration's id comes from (user, milestone occurrence) and is stored with a
//! conditional put, and it is sent through the deliverer's claim, so it goes out once.

use chrono::{DateTime, Duration, Utc};

use crate::app::delivery::{Deliverer, DeliveryError, Outcome};
use crate::app::generation::Generator;
use crate::aws::dynamo::messages::MAX_MESSAGES_READ;
use crate::aws::dynamo::{
    Created, DueKey, MessageStore, ProfileStore, StoreError, VersionedSummary,
};
use crate::domain::events::ActivityEvent;
use crate::domain::messages::Message;
use crate::domain::preferences::{FieldError, MessageType};
use crate::domain::user::UserId;
use crate::engine::history::HistoryEntry;
use crate::engine::plan::{Plan, PlannedMessage};
use crate::engine::retention::survives_erasure;
use crate::engine::summary::{Applied, BehaviourSummary};

/// Longest activity id and value id/name accepted.
pub const MAX_ID_CHARS: usize = 128;
/// Most minutes one activity may report (a day).
pub const MAX_MINUTES: u32 = 24 * 60;
/// How far in the future an activity time may be (clock skew).
pub const MAX_FUTURE_MINUTES: i64 = 10;
/// Summary writes attempted when other events of the user race this one.
const WRITE_ATTEMPTS: u32 = 8;

/// Why an event could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    #[error("invalid ActivityLogged event: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the summary kept changing under {WRITE_ATTEMPTS} attempts")]
    Contended,
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Checks an event's fields; the user it belongs to.
pub fn validate(e: &ActivityEvent, now: DateTime<Utc>) -> Result<UserId, Vec<FieldError>> {
    let mut errors = Vec::new();
    let user = UserId::parse(&e.user_id).map_err(|m| FieldError::new("user_id", m));
    if let Err(err) = &user {
        errors.push(err.clone());
    }
    let text = |field: &str, v: &str, errors: &mut Vec<FieldError>| {
        if v.trim().is_empty()
            || v.chars().count() > MAX_ID_CHARS
            || v.chars().any(char::is_control)
        {
            errors.push(FieldError::new(
                field,
                format!("must be 1 to {MAX_ID_CHARS} printable characters"),
            ));
        }
    };
    text("activity_id", &e.activity_id, &mut errors);
    text("value_id", &e.value_id, &mut errors);
    if let Some(name) = &e.value_name {
        text("value_name", name, &mut errors);
    }
    if e.minutes > MAX_MINUTES {
        errors.push(FieldError::new(
            "minutes",
            format!("must be at most {MAX_MINUTES}"),
        ));
    }
    if e.occurred_at > now + Duration::minutes(MAX_FUTURE_MINUTES) {
        errors.push(FieldError::new("occurred_at", "is in the future"));
    }
    match user {
        Ok(u) if errors.is_empty() => Ok(u),
        _ => Err(errors),
    }
}

/// The celebration an activity answers at once: the plan's milestone message, if any (the
/// rest of the plan waits for the scheduled generation run).
pub fn celebration(plan: &Plan) -> Option<&PlannedMessage> {
    plan.messages
        .iter()
        .find(|m| m.message_type == MessageType::MilestoneCelebration)
}

/// Whether the consumer delivers `m` itself rather than leaving it to `job-deliver`: the
/// engine's first slot is the next whole minute, which counts as now.
pub fn deliver_at_once(m: &Message, now: DateTime<Utc>) -> bool {
    m.send_at <= now + Duration::minutes(1)
}

/// The instant an activity event is decided at: its bus `time`, but never before the activity
/// nor after `now` (no bus time: now). A retry thus decides what the first attempt would
/// have, and a replay of past events decides as it did then.
pub fn event_clock(
    bus_time: Option<DateTime<Utc>>,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    bus_time.map_or(now, |t| t.max(occurred_at).min(now))
}

/// What recording one event did.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub applied: Applied,
    /// Pushes this activity rewarded (delivered within the reward window before it).
    pub rewarded: Vec<String>,
    /// A celebration stored because of it, and what delivery did with it.
    pub celebration: Option<(Message, Option<Outcome>)>,
}

impl Recorded {
    /// Nothing recorded: the user was erased after the activity.
    fn erased() -> Self {
        Recorded {
            applied: Applied::Erased,
            rewarded: Vec::new(),
            celebration: None,
        }
    }
}

/// Whether a ledger knows when each of its delivered pushes was delivered (entries from
/// before it kept the time do not): only then can it tell which pushes an activity rewards.
pub fn knows_deliveries(ledger: &[HistoryEntry]) -> bool {
    ledger
        .iter()
        .all(|h| !h.delivered() || h.delivered_at.is_some())
}

/// Records activity events and celebrates milestones.
pub struct ActivityConsumer<'a> {
    pub profiles: &'a ProfileStore,
    pub messages: &'a MessageStore,
    pub generator: &'a Generator,
    pub deliverer: &'a Deliverer<'a>,
}

impl ActivityConsumer<'_> {
    /// Counts `event` into its user's summary; if that completes a milestone, stores the
    /// celebration and delivers it now (unless quiet hours hold it back).
    pub async fn record(
        &self,
        event: &ActivityEvent,
        now: DateTime<Utc>,
    ) -> Result<Recorded, ActivityError> {
        let user = validate(event, now).map_err(ActivityError::Invalid)?;
        // Activity from before an erasure is never counted (a retry, a redrive). Its work began
        // no later than the event reached the bus (`now`, the event's clock), whatever time
        // the client stamped on it.
        let began = event.occurred_at.min(now);
        if !survives_erasure(began, self.profiles.erased_at(&user).await?) {
            return Ok(Recorded::erased());
        }
        for _ in 0..WRITE_ATTEMPTS {
            let mut profile = self.profiles.profile_with_ledger(&user).await?;
            let (mut summary, version) = match &profile.summary {
                Some(v) => (v.summary.clone(), v.version),
                None => (BehaviourSummary::default(), 0),
            };
            let applied = summary.apply(event, profile.preferences.preferences.timezone.0);
            if applied != Applied::Counted {
                return Ok(Recorded {
                    applied,
                    rewarded: Vec::new(),
                    celebration: None,
                });
            }
            if !self.profiles.put_summary(&user, &summary, version).await? {
                continue;
            }
            profile.summary = Some(VersionedSummary {
                version: version + 1,
                summary,
            });
            let (history, rewarded) = self.reward(&user, &profile, event.occurred_at).await?;
            let celebration = self.celebrate(&user, &profile, &history, now).await?;
            // An erasure that began meanwhile: undo this call's writes (the checks before the
            // erasure's tombstone saw nothing; the erasure deletes what landed before it).
            if !survives_erasure(began, self.profiles.erased_at(&user).await?) {
                self.profiles.delete_summary(&user).await?;
                if let Some((m, _)) = &celebration {
                    self.messages
                        .delete_messages(&[(user.clone(), m.id.clone())])
                        .await?;
                }
                return Ok(Recorded::erased());
            }
            return Ok(Recorded {
                applied,
                rewarded,
                celebration,
            });
        }
        Err(ActivityError::Contended)
    }

    /// Marks the pushes an activity at `at` rewards. Returns what the engine knows of the
    /// user's messages, those rewards included (the celebration's plan learns from them, as
    /// the simulator's does), and the ids this call rewarded.
    async fn reward(
        &self,
        user: &UserId,
        profile: &crate::aws::dynamo::Profile,
        at: DateTime<Utc>,
    ) -> Result<(Vec<HistoryEntry>, Vec<String>), ActivityError> {
        let mut rewarded = Vec::new();
        if let Some(ledger) = profile
            .ledger
            .as_deref()
            .filter(|l| !profile.ledger_partial && knows_deliveries(l))
        {
            let mut history = ledger.to_vec();
            for h in history.iter_mut().filter(|h| h.rewarded_by(at)) {
                // Gone since the ledger was read (a cleanup): nothing to reward.
                let Some(m) = self.messages.get(user, &h.message_id).await? else {
                    continue;
                };
                if m.rewarded_by(at) && self.messages.mark_rewarded(user, &m, at).await? {
                    rewarded.push(m.id.clone());
                }
                // Rewarded now (by this call or a concurrent one).
                h.rewarded = true;
            }
            return Ok((history, rewarded));
        }
        let mut messages = self.messages.recent(user, None, MAX_MESSAGES_READ).await?;
        for m in messages.iter_mut().filter(|m| m.rewarded_by(at)) {
            if self.messages.mark_rewarded(user, m, at).await? {
                rewarded.push(m.id.clone());
            }
            m.rewarded_at = Some(at);
        }
        Ok((messages.iter().map(HistoryEntry::of).collect(), rewarded))
    }

    async fn celebrate(
        &self,
        user: &UserId,
        profile: &crate::aws::dynamo::Profile,
        history: &[HistoryEntry],
        now: DateTime<Utc>,
    ) -> Result<Option<(Message, Option<Outcome>)>, ActivityError> {
        let plan = self
            .generator
            .plan_now(self.messages, user, profile, history, now)
            .await?;
        let Some(planned) = celebration(&plan) else {
            return Ok(None);
        };
        let message = planned.scheduled(now);
        if self.messages.create(user, &message).await? == Created::Exists {
            return Ok(None);
        }
        if !deliver_at_once(&message, now) {
            return Ok(Some((message, None)));
        }
        let key = DueKey {
            user: user.clone(),
            id: message.id.clone(),
        };
        let (outcome, _) = self.deliverer.deliver(&key).await?;
        Ok(Some((message, Some(outcome))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ActivityEvent {
        ActivityEvent {
            activity_id: "a-1".into(),
            user_id: "user-1".into(),
            value_id: "health".into(),
            value_name: Some("Health".into()),
            minutes: 20,
            occurred_at: Utc::now(),
        }
    }

    #[test]
    fn a_ledger_knows_deliveries_when_every_delivered_push_has_its_time() {
        use crate::domain::messages::MessageStatus;
        use crate::domain::preferences::Tone;
        let now = Utc::now();
        let entry = |status, delivered_at| HistoryEntry {
            message_id: "m".into(),
            occurrence: "o".into(),
            message_type: MessageType::HabitFormationTip,
            template_id: "t".into(),
            variant_id: "a".into(),
            tone: Tone::Gentle,
            send_at: now,
            status,
            read_at: None,
            acted_at: None,
            rewarded: false,
            delivered_at,
        };
        assert!(knows_deliveries(&[]));
        assert!(knows_deliveries(&[
            entry(MessageStatus::Scheduled, None),
            entry(MessageStatus::Failed, None),
            entry(MessageStatus::Read, Some(now)),
        ]));
        assert!(!knows_deliveries(&[
            entry(MessageStatus::Sent, Some(now)),
            entry(MessageStatus::Read, None),
        ]));
        // The window is the message's own (`Message::rewarded_by`).
        let sent = entry(MessageStatus::Sent, Some(now - Duration::minutes(119)));
        assert!(sent.rewarded_by(now));
        assert!(!sent.rewarded_by(now + Duration::minutes(2)));
        assert!(!HistoryEntry {
            rewarded: true,
            ..sent
        }
        .rewarded_by(now));
    }

    #[test]
    fn events_are_decided_at_their_bus_time_within_bounds() {
        let now = Utc::now();
        let (before, after) = (now - Duration::hours(5), now - Duration::hours(4));
        assert_eq!(event_clock(Some(after), before, now), after);
        assert_eq!(
            event_clock(Some(before), after, now),
            after,
            "not before the activity"
        );
        assert_eq!(
            event_clock(Some(now + Duration::hours(1)), before, now),
            now
        );
        assert_eq!(event_clock(None, before, now), now);
    }

    #[test]
    fn a_valid_event_names_its_user() {
        assert_eq!(
            validate(&event(), Utc::now()).map(|u| u.as_str().to_owned()),
            Ok("user-1".to_owned())
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let now = Utc::now();
        let bad = ActivityEvent {
            activity_id: " ".into(),
            user_id: String::new(),
            value_id: "x".repeat(MAX_ID_CHARS + 1),
            value_name: Some("\u{7}".into()),
            minutes: MAX_MINUTES + 1,
            occurred_at: now + Duration::hours(1),
        };
        let fields: Vec<String> = validate(&bad, now)
            .expect_err("invalid")
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "user_id",
                "activity_id",
                "value_id",
                "value_name",
                "minutes",
                "occurred_at"
            ]
        );
    }
}
