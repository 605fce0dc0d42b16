//! What the app's summary and insights show, computed from a user's messages, behaviour
//! summary and preferences (pure: no I/O).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::engine::history::HistoryEntry;

use crate::domain::messages::Message;
use crate::domain::messages::MessageStatus;
use crate::domain::preferences::Preferences;
use crate::domain::user::Segment;
use crate::engine::risk::RiskLevel;
use crate::engine::state::{analyse, Population};
use crate::engine::summary::BehaviourSummary;

/// Fewest delivered messages of a kind before its rates rank it among what works.
pub const MIN_DELIVERED_TO_RANK: u64 = 3;

/// Delivered, read and acted counts with their rates.
#[derive(Serialize, Debug, Clone, Default, PartialEq)]
pub struct Rates {
    pub delivered: u64,
    pub read: u64,
    pub acted: u64,
    /// read / delivered; absent while nothing was delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_rate: Option<f64>,
}

impl Rates {
    fn add(&mut self, m: &Message) {
        if !m.delivered() {
            return;
        }
        self.delivered += 1;
        self.read += u64::from(m.read_at.is_some());
        self.acted += u64::from(m.acted_at.is_some());
        let d = self.delivered as f64;
        self.read_rate = Some(self.read as f64 / d);
        self.action_rate = Some(self.acted as f64 / d);
    }
}

/// The next message due for the user.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct NextMessage {
    pub id: String,
    pub message_type: String,
    pub send_at: DateTime<Utc>,
}

/// `GET /coaching/summary`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct MessageSummary {
    pub total: u64,
    pub by_status: BTreeMap<String, u64>,
    pub by_type: BTreeMap<String, u64>,
    #[serde(flatten)]
    pub rates: Rates,
    pub unread: u64,
    pub current_streak: u32,
    pub longest_streak: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_scheduled: Option<NextMessage>,
    pub as_of: DateTime<Utc>,
}

/// Counts and rates of the user's retained messages, streaks from their behaviour summary.
pub fn summarise(
    messages: &[Message],
    summary: &BehaviourSummary,
    prefs: &Preferences,
    now: DateTime<Utc>,
) -> MessageSummary {
    let mut by_status = BTreeMap::new();
    let mut by_type = BTreeMap::new();
    let mut rates = Rates::default();
    let mut unread = 0;
    let mut next: Option<&Message> = None;
    for m in messages {
        *by_status.entry(m.status.as_ref().to_owned()).or_insert(0) += 1;
        *by_type
            .entry(m.message_type.as_ref().to_owned())
            .or_insert(0) += 1;
        rates.add(m);
        unread += u64::from(m.unread());
        let due = m.status == MessageStatus::Scheduled && m.expires_at > now;
        if due && next.is_none_or(|n| (m.send_at, &m.id) < (n.send_at, &n.id)) {
            next = Some(m);
        }
    }
    let today = now.with_timezone(&prefs.timezone.0).date_naive();
    MessageSummary {
        total: messages.len() as u64,
        by_status,
        by_type,
        rates,
        unread,
        current_streak: summary.current_streak(today),
        longest_streak: summary.longest_streak,
        next_scheduled: next.map(|m| NextMessage {
            id: m.id.clone(),
            message_type: m.message_type.as_ref().to_owned(),
            send_at: m.send_at,
        }),
        as_of: now,
    }
}

/// How one kind of message (a type, tone or category) did for the user.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct KindPerformance {
    pub kind: String,
    #[serde(flatten)]
    pub rates: Rates,
}

/// Which kinds of message worked for the user, best action rate first.
#[derive(Serialize, Debug, Clone, Default, PartialEq)]
pub struct WhatWorks {
    pub by_type: Vec<KindPerformance>,
    pub by_tone: Vec<KindPerformance>,
    pub by_category: Vec<KindPerformance>,
    /// The type with the best action rate among those delivered at least
    /// [`MIN_DELIVERED_TO_RANK`] times.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_tone: Option<String>,
}

/// A local hour and its share of the user's activity.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct HourShare {
    pub hour: u32,
    pub share: f64,
}

/// Streak risk now.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Risk {
    pub level: RiskLevel,
    pub score: u32,
}

/// `GET /coaching/insights`.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Insights {
    pub segment: Segment,
    pub habit_strength: f64,
    pub formation_probability: f64,
    pub current_streak: u32,
    pub longest_streak: u32,
    pub active_days_30: u32,
    pub consistency_30: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streak_risk: Option<Risk>,
    /// The local hour messages are aimed at (learned only with the user's consent).
    pub best_hour: u32,
    /// Whether `best_hour` is learned from this user (consent given) or the population's.
    pub personalised_timing: bool,
    /// The user's most active local hours, most active first (up to three).
    pub most_active_hours: Vec<HourShare>,
    pub what_works: WhatWorks,
    pub as_of: DateTime<Utc>,
}

fn ranked(groups: BTreeMap<String, Rates>) -> Vec<KindPerformance> {
    let mut out: Vec<KindPerformance> = groups
        .into_iter()
        .map(|(kind, rates)| KindPerformance { kind, rates })
        .collect();
    let key = |k: &KindPerformance| {
        (
            k.rates.delivered >= MIN_DELIVERED_TO_RANK,
            k.rates.action_rate.unwrap_or(0.0),
            k.rates.read_rate.unwrap_or(0.0),
        )
    };
    out.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(kb.2.total_cmp(&ka.2))
            .then(a.kind.cmp(&b.kind))
    });
    out
}

fn best(list: &[KindPerformance]) -> Option<String> {
    list.first()
        .filter(|k| k.rates.delivered >= MIN_DELIVERED_TO_RANK)
        .map(|k| k.kind.clone())
}

/// What works for the user, from their delivered messages.
pub fn what_works(messages: &[Message]) -> WhatWorks {
    let mut by_type: BTreeMap<String, Rates> = BTreeMap::new();
    let mut by_tone: BTreeMap<String, Rates> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Rates> = BTreeMap::new();
    for m in messages.iter().filter(|m| m.delivered()) {
        by_type
            .entry(m.message_type.as_ref().to_owned())
            .or_default()
            .add(m);
        by_tone
            .entry(m.tone.as_ref().to_owned())
            .or_default()
            .add(m);
        by_category
            .entry(m.category.as_ref().to_owned())
            .or_default()
            .add(m);
    }
    let (by_type, by_tone, by_category) = (ranked(by_type), ranked(by_tone), ranked(by_category));
    WhatWorks {
        best_type: best(&by_type),
        best_tone: best(&by_tone),
        by_type,
        by_tone,
        by_category,
    }
}

/// The user's insights now.
pub fn insights(
    messages: &[Message],
    summary: &BehaviourSummary,
    prefs: &Preferences,
    population: &Population,
    now: DateTime<Utc>,
) -> Insights {
    let history: Vec<HistoryEntry> = messages.iter().map(HistoryEntry::of).collect();
    let state = analyse(summary, prefs, &history, population, now);
    let profile = summary.hour_of_day_profile();
    let total: f64 = profile.iter().sum();
    let mut hours: Vec<HourShare> = profile
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0.0 && total > 0.0)
        .map(|(h, w)| HourShare {
            hour: h as u32,
            share: w / total,
        })
        .collect();
    hours.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.hour.cmp(&b.hour)));
    hours.truncate(3);
    Insights {
        segment: state.segment,
        habit_strength: state.strength,
        formation_probability: state.formation_probability,
        current_streak: state.current_streak,
        longest_streak: state.longest_streak,
        active_days_30: state.active_30,
        consistency_30: state.consistency_30,
        streak_risk: state.risk.map(|(level, score)| Risk { level, score }),
        best_hour: state.best_hour,
        personalised_timing: prefs.personalization_consent,
        most_active_hours: hours,
        what_works: what_works(messages),
        as_of: now,
    }
}

/// Why a plan that stored nothing stored nothing, in words for the user: coaching is off, no
/// trigger fired (`nothing_triggered`), or every trigger was already planned or skipped.
pub fn nothing_planned_because(coaching_enabled: bool, nothing_triggered: bool) -> &'static str {
    if !coaching_enabled {
        "Coaching is turned off in your preferences."
    } else if nothing_triggered {
        "Nothing in your recent activity calls for a message right now."
    } else {
        "Every message that would help now is already planned or does not fit your caps, quiet hours or type preferences; see skipped."
    }
}
