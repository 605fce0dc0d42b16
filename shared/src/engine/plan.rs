//! The planner: from a user's inputs, a clock and a seed, the messages to schedule and why the
//! rest were not. Pure and deterministic: same inputs and seed, same plan.

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::bandit::{self, tone_effects, BanditInput};

use super::caps::{caps, Counted};
use super::experiments::Experiment;
use super::history::HistoryEntry;
use super::learned::{lead_bucket, Priors};
use super::rng::{stable_hash, stable_unit, Rng};
use super::state::{analyse, Population, UserState};
use super::summary::BehaviourSummary;
use super::templates::{
    choose, same_primary_language, Catalogue, LastUse, StatsMap, TargetContext, Template,
    TimeOfDay, Vars,
};
use super::timing::{NoSlot, Slots};
use super::tone::choose_tone;
use super::triggers::{detect, Figures, Trigger};
use super::value::{judged, send_minute, Rewards};
use crate::domain::messages::Selection;
use crate::domain::messages::{Message, MessageReason, MessageStatus};
use crate::domain::preferences::{MessageCategory, MessageType, Preferences, Tone};
use crate::domain::user::Segment;

/// Everything a plan depends on.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    pub user_id: &'a str,
    pub display_name: Option<&'a str>,
    pub premium: bool,
    pub preferences: &'a Preferences,
    pub summary: &'a BehaviourSummary,
    pub history: &'a [HistoryEntry],
    pub catalogue: &'a Catalogue,
    pub stats: &'a StatsMap,
    pub experiments: &'a [Experiment],
    pub population: &'a Population,
    /// What was learned from everyone (the daily fit); the default is the cold start.
    pub priors: &'a Priors,
    /// Learn from outcomes (send or not and send hour from the user's rewards, the template
    /// bandit over `priors`); `false` keeps the rules (the simulator's `rules` policy).
    pub learning: bool,
    pub now: DateTime<Utc>,
    pub seed: u64,
}

/// Why a message was planned.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Reason {
    pub trigger: String,
    pub figures: Figures,
}

/// One message to schedule.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct PlannedMessage {
    /// Derived from (user, occurrence): the same on every run, so a conditional put of it
    /// never duplicates a message.
    pub id: String,
    /// The trigger occurrence this message answers.
    pub occurrence: String,
    pub message_type: MessageType,
    pub category: MessageCategory,
    pub priority: u8,
    pub tone: Tone,
    /// The user's segment when planned (for analytics by segment).
    pub segment: Segment,
    pub template_id: String,
    pub variant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment_id: Option<String>,
    /// How the bandit chose the template (absent when the rules chose it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// The language the text is in (after fallback).
    pub language: String,
    pub title: String,
    pub body: String,
    pub send_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub reason: Reason,
}

impl PlannedMessage {
    /// The stored message this plan becomes: `scheduled`, created at `now`.
    pub fn scheduled(&self, now: DateTime<Utc>) -> Message {
        Message {
            id: self.id.clone(),
            occurrence: self.occurrence.clone(),
            message_type: self.message_type,
            category: self.category,
            priority: self.priority,
            tone: self.tone,
            segment: Some(self.segment),
            template_id: self.template_id.clone(),
            variant_id: self.variant_id.clone(),
            experiment_id: self.experiment_id.clone(),
            selection: self.selection.clone(),
            language: self.language.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            status: MessageStatus::Scheduled,
            created_at: now.trunc_subsecs(3),
            send_at: self.send_at.trunc_subsecs(3),
            expires_at: self.expires_at.trunc_subsecs(3),
            delivered_at: None,
            read_at: None,
            opened_at: None,
            acted_at: None,
            dismissed_at: None,
            feedback: None,
            rewarded_at: None,
            delivery: None,
            push_attempts: 0,
            reason: MessageReason {
                trigger: self.reason.trigger.clone(),
                figures: self
                    .reason
                    .figures
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            },
        }
    }
}

/// Why a trigger did not become a message.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The user opted out of coaching.
    OptedOut,
    /// This occurrence was already planned on an earlier run.
    AlreadyPlanned,
    /// The user's weight for the type is 0 (or the weighted draw said no).
    TypeWeight,
    /// A message of this type is already in this plan.
    SameTypeInPlan,
    /// Nothing of the message's part of day is left before it expires.
    Expired,
    /// Every time left before it expires is in the user's quiet hours.
    QuietHours,
    /// The days left before it expires already have their daily cap of messages.
    DailyCap,
    /// The rolling week already has its cap of messages.
    WeeklyCap,
    /// Every free time is within the least spacing of another message.
    Spacing,
    /// No enabled template targets the user outside its cooldown.
    NoTemplate,
    /// This user's pushes of this type are credibly not followed by the habit (`engine::value`).
    LowValue,
    /// Worth it on its own, but not after as many pushes in the week before as this user has
    /// had: the dose learned from everyone's outcomes by pushes per week, in their segment.
    Dose,
}

/// A trigger that was not planned, and why.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Skipped {
    pub occurrence: String,
    pub message_type: MessageType,
    pub reason: SkipReason,
}

/// The outcome of planning one user.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct Plan {
    pub messages: Vec<PlannedMessage>,
    pub skipped: Vec<Skipped>,
}

/// The message id of a trigger occurrence of a user: 32 hex characters of
/// SHA-256(user ␟ occurrence).
pub fn message_id(user_id: &str, occurrence: &str) -> String {
    let mut h = Sha256::new();
    h.update(user_id.as_bytes());
    h.update([0x1f]);
    h.update(occurrence.as_bytes());
    let digest = h.finalize();
    let mut hex = [0u8; 32];
    for (pair, b) in hex.chunks_exact_mut(2).zip(digest.iter()) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 0xf)];
    }
    // Every byte is an ASCII hex digit, so this never falls back.
    String::from_utf8(hex.to_vec()).unwrap_or_default()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Plans the user's messages.
pub fn plan(input: &PlanInput<'_>) -> Plan {
    let prefs = input.preferences;
    let mut out = Plan {
        messages: Vec::new(),
        skipped: Vec::new(),
    };
    // A zone changed since the last activity: its recent days are counted in the new zone
    // (as the next activity will store them).
    let rezoned;
    let summary =
        if input.summary.timezone != prefs.timezone.0.name() && !input.summary.days.is_empty() {
            let mut s = input.summary.clone();
            s.rezone(prefs.timezone.0);
            rezoned = s;
            &rezoned
        } else {
            input.summary
        };
    let mut state = analyse(summary, prefs, input.history, input.population, input.now);
    // Streak risk from the fitted model once there is one (else the rules' points).
    if let (true, Some(model)) = (input.learning, &input.priors.risk) {
        state = state.with_risk_model(model, summary);
    }
    let triggers = detect(&state, prefs, input.history);
    if !prefs.coaching_enabled {
        out.skipped = triggers
            .into_iter()
            .map(|t| skip(t, SkipReason::OptedOut))
            .collect();
        return out;
    }
    let mut rng = Rng::new(input.seed ^ stable_hash(&[input.user_id]));
    // Where "the best time" is: learned from the user's rewards once their usual hour is
    // known, else the rules' best hour. Worked out when a trigger first needs a send time
    // (before anything else draws from `rng`, so the draws are the same as if done here):
    // a user with nothing new to plan never needs it.
    let mut aim: Option<u32> = None;
    // Only messages within a week of the horizon can share a day or a week with a new one.
    let relevant_from = input.now - chrono::Duration::days(8);
    let relevant_to = input.now + chrono::Duration::days(9);
    let limits = caps(prefs.message_frequency);
    // Built on the first trigger that needs a send time: most runs find every trigger
    // already planned and need neither.
    let mut timing: Option<(Counted, std::rc::Rc<Slots>)> = None;
    // The user's reward change per tone, for the bandit (built once, when first needed).
    let mut user_tones: Option<[f64; 8]> = None;
    // When each template last reached the user (built once, when first needed).
    let mut last_use: Option<LastUse> = None;
    // The user's judged pushes, tallied once for the send-or-not decisions.
    let mut rewards: Option<Rewards> = None;
    // The placeholders' values (the user's built once, the trigger's set per message).
    let mut base_vars: Option<Vars> = None;

    // Each trigger is moved into its message or its skip: its key and figures are not copied.
    for t in triggers {
        if input.history.iter().any(|h| h.occurrence == t.occurrence) {
            out.skipped.push(skip(t, SkipReason::AlreadyPlanned));
            continue;
        }
        let weight = prefs.weight(t.message_type);
        if weight <= 0.0 || (weight < 1.0 && stable_unit(&[input.user_id, &t.occurrence]) >= weight)
        {
            out.skipped.push(skip(t, SkipReason::TypeWeight));
            continue;
        }
        if out
            .messages
            .iter()
            .any(|m| m.message_type == t.message_type)
        {
            out.skipped.push(skip(t, SkipReason::SameTypeInPlan));
            continue;
        }
        let (counted, slots) = timing.get_or_insert_with(|| {
            let counted = Counted::new(
                input
                    .history
                    .iter()
                    .filter(|h| {
                        h.status.counts_for_caps()
                            && h.send_at >= relevant_from
                            && h.send_at < relevant_to
                    })
                    .map(|h| h.send_at),
                state.tz,
            );
            let slots = Slots::shared(
                input.now,
                state.tz,
                prefs.quiet_hours,
                &prefs.preferred_windows,
            );
            (counted, slots)
        });
        let aim_minute = *aim.get_or_insert_with(|| match state.usual_hour {
            Some(usual) if input.learning => send_minute(
                input.history,
                usual,
                state.tz,
                input.priors,
                input.now,
                &mut rng,
            ),
            _ => state.best_hour * 60 + 30,
        });
        let Some(placed) = slots.best(t.moment, aim_minute, t.expires_at, counted, limits) else {
            let reason = match slots.why_none(t.moment, t.expires_at, counted, limits) {
                NoSlot::Expired => SkipReason::Expired,
                NoSlot::QuietHours => SkipReason::QuietHours,
                NoSlot::DailyCap => SkipReason::DailyCap,
                NoSlot::WeeklyCap => SkipReason::WeeklyCap,
                NoSlot::Spacing => SkipReason::Spacing,
            };
            out.skipped.push(skip(t, reason));
            continue;
        };
        let send_at = placed.at;
        let tone = choose_tone(
            t.message_type,
            prefs.preferred_tone,
            t.risk,
            t.break_length,
            state.segment,
        );
        let local_hour = placed.minute / 60;
        // Hours from the send to the usual hour: what the population says about pushes then
        // joins the user's own record of the type.
        let lead = state.usual_hour.map(|u| lead_bucket(u, local_hour));
        // Pushes this user has had or will have in the week before this one: the dose.
        let n7 = u32::try_from(
            counted.count_within(send_at.timestamp() - 7 * 86_400, send_at.timestamp() - 1),
        )
        .unwrap_or(u32::MAX);
        let population_rate = input.priors.fitted.then(|| {
            input.priors.type_rate(t.message_type, state.segment)
                * lead.map_or(1.0, |l| input.priors.lead_factor(l))
        });
        let rewards = rewards.get_or_insert_with(|| Rewards::of(input.history, input.now));
        let worth = |factor: f64| {
            rewards.worth_sending(
                t.message_type,
                population_rate.map(|r| (r * factor, input.priors.overall)),
            )
        };
        if input.learning && !worth(1.0) {
            out.skipped.push(skip(t, SkipReason::LowValue));
            continue;
        }
        if input.learning
            && input.priors.fitted
            && !worth(input.priors.dose_factor(n7, state.segment))
        {
            out.skipped.push(skip(t, SkipReason::Dose));
            continue;
        }
        let ctx = TargetContext {
            segment: state.segment,
            streak: state.current_streak,
            risk: t.risk,
            time_of_day: TimeOfDay::of_hour(local_hour),
            premium: input.premium,
        };
        let planned_templates: Vec<&str> = out
            .messages
            .iter()
            .map(|m| m.template_id.as_str())
            .collect();
        let last_use = last_use.get_or_insert_with(|| input.catalogue.last_uses(input.history));
        let chosen = if input.learning {
            let effects = user_tones.get_or_insert_with(|| {
                tone_effects(judged(input.history, input.now).map(|(h, r)| (h.tone, r)))
            });
            bandit::choose(
                input.catalogue,
                &BanditInput {
                    ty: t.message_type,
                    preferred: prefs.preferred_tone,
                    rule_tone: tone,
                    ctx: &ctx,
                    last_use,
                    planned_templates: &planned_templates,
                    priors: input.priors,
                    tone_effects: effects,
                    experiments: input.experiments,
                    stats: input.stats,
                    user_id: input.user_id,
                    now: input.now,
                    lead,
                    n7: Some(n7),
                },
                &mut rng,
            )
            .map(|(c, s)| (c, Some(s)))
        } else {
            choose(
                input.catalogue,
                t.message_type,
                tone,
                &ctx,
                last_use,
                &planned_templates,
                input.experiments,
                input.stats,
                input.user_id,
                input.now,
                &mut rng,
            )
            .map(|c| (c, None))
        };
        let Some((choice, selection)) = chosen else {
            out.skipped.push(skip(t, SkipReason::NoTemplate));
            continue;
        };
        let Some((language, content)) = Template::content(choice.variant, &prefs.language) else {
            out.skipped.push(skip(t, SkipReason::NoTemplate));
            continue;
        };
        // The user's own motivations are in their language: left out of a fallback's text.
        let own_language = same_primary_language(language, &prefs.language);
        let vars = base_vars.get_or_insert_with(|| user_vars(input, &state));
        trigger_vars(vars, input, &state, &t, own_language, &mut rng);
        counted.add(send_at.timestamp(), placed.day);
        // The occurrence's kind, before its first colon (found by a byte search).
        let kind_end = t
            .occurrence
            .bytes()
            .position(|b| b == b':')
            .unwrap_or(t.occurrence.len());
        let trigger = t.occurrence.get(..kind_end).unwrap_or_default().to_owned();
        out.messages.push(PlannedMessage {
            id: message_id(input.user_id, &t.occurrence),
            occurrence: t.occurrence,
            message_type: t.message_type,
            category: t.message_type.category(),
            priority: t.priority,
            tone: choice.template.tone,
            segment: state.segment,
            template_id: choice.template.id.clone(),
            variant_id: choice.variant.id.clone(),
            experiment_id: choice.experiment,
            selection,
            language: language.to_owned(),
            title: content.render_title(vars),
            body: content.render_body(vars),
            send_at,
            expires_at: t.expires_at,
            reason: Reason {
                trigger,
                figures: t.figures,
            },
        });
    }
    out
}

fn skip(t: Trigger, reason: SkipReason) -> Skipped {
    Skipped {
        occurrence: t.occurrence,
        message_type: t.message_type,
        reason,
    }
}

/// The placeholders that are the same for every message of the plan.
fn user_vars(input: &PlanInput<'_>, s: &UserState) -> Vars {
    let mut v = Vars::with_room();
    if let Some(n) = input.display_name {
        v.set("name", n);
    }
    if s.current_streak > 0 {
        v.set("streak", s.current_streak);
    }
    if s.longest_streak > 0 {
        v.set("longest", s.longest_streak);
    }
    if let Some(value) = &s.top_value {
        v.set("value", value);
    }
    if let Some(d) = s.days_since_active {
        v.set("days_since", d);
    }
    v.set("best_time", format_args!("{:02}:00", s.best_hour));
    v
}

/// Sets the placeholders that depend on the trigger (and clears those it has none for).
fn trigger_vars(
    v: &mut Vars,
    input: &PlanInput<'_>,
    s: &UserState,
    t: &Trigger,
    own_language: bool,
    rng: &mut Rng,
) {
    let motivations = &input.preferences.custom_motivations;
    if own_language && !motivations.is_empty() {
        let i = (rng.next_u64() % motivations.len() as u64) as usize;
        v.set("motivation", &motivations[i]);
    } else {
        v.clear("motivation");
    }
    match t.milestone {
        Some(m) => v.set("milestone", m),
        None => v.clear("milestone"),
    }
    let minutes = if t.message_type == MessageType::ProgressEncouragement {
        s.minutes_7.saturating_sub(s.minutes_prev_7) as f64
    } else {
        s.avg_session_minutes.round()
    };
    if minutes > 0.0 {
        v.set("minutes", minutes);
    } else {
        v.clear("minutes");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_keep_their_stored_form() {
        // Stored messages are keyed by these ids: the form must never change.
        assert_eq!(
            message_id("user-1", "milestone:7:2026-03-04"),
            "3e503feedf3714a8829a2902d2bad2a6"
        );
    }
}
