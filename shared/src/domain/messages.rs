//! Stored coaching messages and what users do with them (pure domain: no I/O).
//!
//! A message is created `scheduled` from the engine's plan (`PlannedMessage::scheduled`), moves to `sending`/`sent`/`failed`
//! through delivery, and then records the user's interactions. Interaction timestamps are set
//! once and never overwritten, so a repeated call changes nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::preferences::{FieldError, MessageCategory, MessageType, Tone};
use crate::domain::user::Segment;

/// Days a message is kept after its send time.
pub const RETENTION_DAYS: i64 = 90;
/// Days a message is kept after the user acted on it.
pub const ACTED_RETENTION_DAYS: i64 = 365;
/// Longest feedback comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// Where a message is in its life.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MessageStatus {
    Scheduled,
    Sending,
    Sent,
    Read,
    Acted,
    Dismissed,
    Failed,
    Expired,
}

impl MessageStatus {
    /// Whether the message counts against frequency caps (it was or will be delivered).
    pub fn counts_for_caps(self) -> bool {
        !matches!(self, MessageStatus::Failed | MessageStatus::Expired)
    }

    /// Whether a message in this status reached the user's devices.
    pub fn delivered(self) -> bool {
        !matches!(
            self,
            MessageStatus::Scheduled
                | MessageStatus::Sending
                | MessageStatus::Expired
                | MessageStatus::Failed
        )
    }
}

/// How a message's template was chosen: what the learners and an off-policy evaluation need.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Selection {
    /// Every eligible template with its probability (they sum to 1).
    pub arms: Vec<ArmChance>,
    /// Chosen by the uniform holdout, not by the scores.
    pub holdout: bool,
    /// The probability of the chosen variant, given the template.
    pub variant_p: f64,
    /// Days since the chosen template last reached the user (`None`: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_days: Option<u32>,
    /// Hours from the planned send to the user's usual hour (`engine::learned::lead_bucket`;
    /// `None`: no usual hour yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<i32>,
    /// Pushes the user had (or has planned) in the 7 days before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n7: Option<u32>,
}

/// An eligible arm and the probability the policy gave it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ArmChance {
    /// Shared with the catalogue: recording a choice copies no string per arm.
    pub template_id: Arc<str>,
    pub p: f64,
}

/// Why the engine planned a message: the trigger and the figures it looked at.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct MessageReason {
    pub trigger: String,
    #[serde(default)]
    pub figures: BTreeMap<String, f64>,
}

/// The user's feedback on a message: one per message, replaced by a later one.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Feedback {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helpful: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When feedback was first given; kept across updates.
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `POST …/feedback` body.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    pub rating: Option<i64>,
    pub helpful: Option<bool>,
    pub comment: Option<String>,
}

impl FeedbackInput {
    /// The body's own rules (rating range, comment length, at least one field), checked
    /// before anything is read.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        self.clone()
            .into_feedback(None, DateTime::<Utc>::MIN_UTC)
            .map(|_| ())
    }

    /// The feedback to store, or every field that is wrong. `previous` keeps `submitted_at`.
    pub fn into_feedback(
        self,
        previous: Option<&Feedback>,
        now: DateTime<Utc>,
    ) -> Result<Feedback, Vec<FieldError>> {
        let mut errors = Vec::new();
        let rating = match self.rating {
            Some(r) if (1..=5).contains(&r) => Some(r as u8),
            Some(_) => {
                errors.push(FieldError::new("rating", "must be an integer from 1 to 5"));
                None
            }
            None => None,
        };
        let comment = self.comment.map(|c| c.trim().to_owned());
        if let Some(c) = &comment {
            if c.chars().count() > MAX_COMMENT_CHARS {
                errors.push(FieldError::new(
                    "comment",
                    format!("must be at most {MAX_COMMENT_CHARS} characters"),
                ));
            }
        }
        let comment = comment.filter(|c| !c.is_empty());
        if rating.is_none() && self.helpful.is_none() && comment.is_none() && errors.is_empty() {
            errors.push(FieldError::new(
                "",
                "give at least one of rating, helpful or comment",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let now = now.trunc_subsecs(3);
        Ok(Feedback {
            rating,
            helpful: self.helpful,
            comment,
            submitted_at: previous.map_or(now, |p| p.submitted_at),
            updated_at: now,
        })
    }
}

/// A push's reward: the user logs an activity within this many hours of its delivery.
pub const REWARD_WINDOW_HOURS: i64 = 2;

/// Whether an activity at `at` falls in the reward window of a push delivered at `delivered`
/// (never, for a push not delivered).
pub fn in_reward_window(delivered: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    delivered.is_some_and(|d| d <= at && at - d <= Duration::hours(REWARD_WINDOW_HOURS))
}

/// A coaching message as stored and as the app sees it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Message {
    pub id: String,
    /// The trigger occurrence it answers; unique per user.
    pub occurrence: String,
    pub message_type: MessageType,
    pub category: MessageCategory,
    pub priority: u8,
    pub tone: Tone,
    /// The user's segment when it was planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
    pub template_id: String,
    pub variant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment_id: Option<String>,
    /// How the bandit chose the template: the eligible arms with their probabilities, the
    /// holdout mark and the features it saw (absent when the rules chose).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    pub language: String,
    pub title: String,
    pub body: String,
    pub status: MessageStatus,
    pub created_at: DateTime<Utc>,
    pub send_at: DateTime<Utc>,
    /// Not sent after this.
    pub expires_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acted_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Feedback>,
    /// When the user did the habit within [`REWARD_WINDOW_HOURS`] of the delivery: the push's
    /// reward, what the coach learns from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewarded_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: MessageReason,
    /// What delivery did (set when it sent, failed or dropped the message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Delivery attempts the push service could not take (each put the message back in the
    /// due index, later: `engine::delivery::push_retry_at`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub push_attempts: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The outcome of delivering a message.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Delivery {
    /// Devices that accepted the push.
    pub devices: u32,
    /// SNS message ids, one per accepting device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sns_message_ids: Vec<String>,
    /// Why it was not sent (`no_enabled_device`, `push_unavailable`, `expired`, `opted_out`,
    /// `no_longer_relevant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Sent, as far as the recorded push ids show, but the deliverer stopped before recording
    /// the end (the health job's recovery of a stuck claim).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unconfirmed: bool,
}

impl Message {
    /// When the message may be deleted (the table's TTL): 90 days after its send time, or
    /// 365 days after the user acted on it.
    pub fn retain_until(&self) -> DateTime<Utc> {
        match self.acted_at {
            Some(acted) => acted + Duration::days(ACTED_RETENTION_DAYS),
            None => self.send_at + Duration::days(RETENTION_DAYS),
        }
    }

    /// Whether the message reached the user (interactions and feedback need that): a failed
    /// send reached no device.
    pub fn delivered(&self) -> bool {
        self.status.delivered()
    }

    /// Whether an activity at `at` is this push's reward: the message was delivered at most
    /// [`REWARD_WINDOW_HOURS`] before it and has no reward yet.
    pub fn rewarded_by(&self, at: DateTime<Utc>) -> bool {
        self.rewarded_at.is_none() && in_reward_window(self.delivered_at, at)
    }

    /// Unread: delivered and neither read nor acted on nor dismissed.
    pub fn unread(&self) -> bool {
        self.delivered()
            && self.read_at.is_none()
            && self.acted_at.is_none()
            && self.dismissed_at.is_none()
    }
}

/// What a user can do with a delivered message.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, strum::AsRefStr, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Interaction {
    Read,
    Opened,
    Acted,
    Dismissed,
}

/// An interaction timestamp attribute of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    Read,
    Opened,
    Acted,
    Dismissed,
}

impl Stamp {
    /// The attribute name the timestamp is stored under.
    pub fn attribute(self) -> &'static str {
        match self {
            Stamp::Read => "read_at",
            Stamp::Opened => "opened_at",
            Stamp::Acted => "acted_at",
            Stamp::Dismissed => "dismissed_at",
        }
    }

    /// The per-variant counter this first stamp adds one to, if any.
    pub fn counter(self) -> Option<&'static str> {
        match self {
            Stamp::Read => Some("read"),
            Stamp::Opened => None,
            Stamp::Acted => Some("acted"),
            Stamp::Dismissed => Some("dismissed"),
        }
    }
}

/// The change an interaction makes: timestamps to set (each only if still absent) and the
/// status that follows from them, as seen from the message that was read (`from`).
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionChange {
    pub from: MessageStatus,
    pub status: MessageStatus,
    pub stamps: Vec<Stamp>,
    pub at: DateTime<Utc>,
}

/// Why an interaction is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InteractionError {
    #[error("the message has not been delivered")]
    NotDelivered,
}

fn rank(s: MessageStatus) -> u8 {
    match s {
        MessageStatus::Read => 1,
        MessageStatus::Dismissed => 2,
        MessageStatus::Acted => 3,
        _ => 0,
    }
}

/// What `action` at `now` changes on `m`; `None` when it changes nothing (a repeat).
/// Opening or acting implies reading; acting outranks dismissing in the status.
pub fn interact(
    m: &Message,
    action: Interaction,
    now: DateTime<Utc>,
) -> Result<Option<InteractionChange>, InteractionError> {
    if !m.delivered() {
        return Err(InteractionError::NotDelivered);
    }
    let (wanted, status): (&[Stamp], MessageStatus) = match action {
        Interaction::Read => (&[Stamp::Read], MessageStatus::Read),
        Interaction::Opened => (&[Stamp::Read, Stamp::Opened], MessageStatus::Read),
        Interaction::Acted => (&[Stamp::Read, Stamp::Acted], MessageStatus::Acted),
        Interaction::Dismissed => (&[Stamp::Dismissed], MessageStatus::Dismissed),
    };
    let present = |s: Stamp| match s {
        Stamp::Read => m.read_at.is_some(),
        Stamp::Opened => m.opened_at.is_some(),
        Stamp::Acted => m.acted_at.is_some(),
        Stamp::Dismissed => m.dismissed_at.is_some(),
    };
    let stamps: Vec<Stamp> = wanted.iter().copied().filter(|s| !present(*s)).collect();
    if stamps.is_empty() {
        return Ok(None);
    }
    let status = if rank(status) > rank(m.status) {
        status
    } else {
        m.status
    };
    Ok(Some(InteractionChange {
        from: m.status,
        status,
        stamps,
        at: now.trunc_subsecs(3),
    }))
}

impl InteractionChange {
    /// The message after the change.
    pub fn applied_to(&self, m: &Message) -> Message {
        let mut m = m.clone();
        m.status = self.status;
        for s in &self.stamps {
            let slot = match s {
                Stamp::Read => &mut m.read_at,
                Stamp::Opened => &mut m.opened_at,
                Stamp::Acted => &mut m.acted_at,
                Stamp::Dismissed => &mut m.dismissed_at,
            };
            *slot = Some(self.at);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn delivered() -> Message {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        Message {
            id: "0".repeat(32),
            occurrence: "tip:2026-03-01".into(),
            message_type: MessageType::ProgressEncouragement,
            category: MessageType::ProgressEncouragement.category(),
            priority: 1,
            tone: Tone::Encouraging,
            segment: None,
            template_id: "t".into(),
            variant_id: "a".into(),
            experiment_id: None,
            selection: None,
            language: "en".into(),
            title: "T".into(),
            body: "B".into(),
            status: MessageStatus::Sent,
            created_at: t,
            send_at: t,
            expires_at: t + Duration::hours(6),
            delivered_at: Some(t),
            read_at: None,
            opened_at: None,
            acted_at: None,
            dismissed_at: None,
            feedback: None,
            rewarded_at: None,
            delivery: None,
            push_attempts: 0,
            reason: MessageReason::default(),
        }
    }

    fn action() -> impl Strategy<Value = Interaction> {
        prop_oneof![
            Just(Interaction::Read),
            Just(Interaction::Opened),
            Just(Interaction::Acted),
            Just(Interaction::Dismissed),
        ]
    }

    proptest! {
        /// Any sequence of interactions: each repeat changes nothing, stamps are never
        /// overwritten, and acting always wins the status.
        #[test]
        fn interactions_are_idempotent_and_keep_first_stamps(actions in prop::collection::vec(action(), 1..12)) {
            let mut m = delivered();
            let start = m.send_at;
            for (i, a) in actions.iter().enumerate() {
                let now = start + Duration::minutes(i as i64 + 1);
                let before = m.clone();
                if let Some(change) = interact(&m, *a, now).unwrap() {
                    m = change.applied_to(&m);
                }
                for (old, new) in [(before.read_at, m.read_at), (before.acted_at, m.acted_at),
                                   (before.opened_at, m.opened_at), (before.dismissed_at, m.dismissed_at)] {
                    if old.is_some() { prop_assert_eq!(old, new); }
                }
                let again = m.clone();
                prop_assert_eq!(interact(&again, *a, now + Duration::minutes(1)).unwrap(), None);
            }
            if actions.contains(&Interaction::Acted) {
                prop_assert_eq!(m.status, MessageStatus::Acted);
                prop_assert!(m.read_at.is_some());
            }
        }
    }

    #[test]
    fn undelivered_messages_take_no_interaction() {
        let mut m = delivered();
        // A failed send reached no device: reading it would count a read without a send.
        for status in [MessageStatus::Scheduled, MessageStatus::Failed] {
            m.status = status;
            assert_eq!(
                interact(&m, Interaction::Read, m.send_at),
                Err(InteractionError::NotDelivered),
                "{status:?}"
            );
        }
    }

    #[test]
    fn acting_extends_retention() {
        let mut m = delivered();
        assert_eq!(m.retain_until(), m.send_at + Duration::days(90));
        m.acted_at = Some(m.send_at + Duration::days(2));
        assert_eq!(m.retain_until(), m.send_at + Duration::days(367));
    }

    #[test]
    fn feedback_is_bounded_and_keeps_its_first_time() {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let bad = FeedbackInput {
            rating: Some(6),
            helpful: None,
            comment: Some("x".repeat(501)),
        };
        let errors = bad.into_feedback(None, now).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(FeedbackInput::default().into_feedback(None, now).is_err());
        let first = FeedbackInput {
            rating: Some(5),
            ..Default::default()
        }
        .into_feedback(None, now)
        .unwrap();
        let later = FeedbackInput {
            helpful: Some(true),
            ..Default::default()
        }
        .into_feedback(Some(&first), now + Duration::hours(1))
        .unwrap();
        assert_eq!(later.submitted_at, now);
        assert_eq!(later.rating, None);
    }
}
