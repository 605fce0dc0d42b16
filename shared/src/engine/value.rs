//! What the coach learns per user from the reward of each push (the habit followed within
//! two hours, `Message::rewarded_at`): whether a kind of push is worth sending
//! ([`Rewards::worth_sending`]) and the half-hour slot to aim at ([`send_minute`]).
//!
//! From the user's own delivered pushes whose reward window has closed, the reward rate of a
//! message type is a Beta posterior: the type's own pushes on top of a prior of
//! [`PRIOR_STRENGTH`] pseudo-pushes at the user's overall rate, itself shrunk toward
//! [`PRIOR_RATE`] with the same strength. A trigger is skipped (`low_value`) when even an
//! optimistic reading of that posterior (mean plus [`OPTIMISM`] standard deviations) is below
//! the user's overall rate (and never below [`MIN_REWARD_RATE`]): every push costs fatigue on
//! the ones after it and a chance of an opt-out, so a kind of push that does worse for this
//! user than their average push is not worth it. The bar moves with the user, so it needs no
//! tuning to a population. A type the user has not received yet is always worth trying; one
//! that keeps failing for this user stops, one that works keeps going.

use chrono::{DateTime, Duration, Utc};

use super::history::HistoryEntry;

use super::learned::Priors;
use crate::domain::messages::MessageStatus;
use crate::domain::messages::REWARD_WINDOW_HOURS;
use crate::domain::preferences::MessageType;

/// Reward rate a push must credibly reach to be sent, whatever the user's own rate.
pub const MIN_REWARD_RATE: f64 = 0.10;
/// Pseudo-pushes of each prior.
pub const PRIOR_STRENGTH: f64 = 4.0;
/// Reward rate assumed before the user has any outcome.
pub const PRIOR_RATE: f64 = 0.2;
/// Pseudo-pushes of a type's prior when it comes from the population's fit (informative: the
/// type's rate among everyone, scaled to this user).
pub const POPULATION_PRIOR_STRENGTH: f64 = 10.0;
/// Standard deviations of optimism in the send decision (exploration).
pub const OPTIMISM: f64 = 1.0;

/// Rewarded and judged pushes of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    pushes: f64,
    rewarded: f64,
}

fn delivered(s: MessageStatus) -> bool {
    matches!(
        s,
        MessageStatus::Sent | MessageStatus::Read | MessageStatus::Acted | MessageStatus::Dismissed
    )
}

/// The posterior mean and standard deviation of the user's reward rate for `ty` at `now`.
pub fn reward_rate(history: &[HistoryEntry], ty: MessageType, now: DateTime<Utc>) -> (f64, f64) {
    let (mean, sd, _) = Rewards::of(history, now).rates(ty, None);
    (mean, sd)
}

/// The user's delivered pushes whose reward is known at `now` (the window closed, or the
/// habit already followed), with 1 for a reward and 0 without.
pub fn judged(
    history: &[HistoryEntry],
    now: DateTime<Utc>,
) -> impl Iterator<Item = (&HistoryEntry, f64)> {
    let judged_before = now - Duration::hours(REWARD_WINDOW_HOURS);
    history
        .iter()
        .filter(move |h| delivered(h.status) && (h.send_at <= judged_before || h.rewarded))
        .map(|h| (h, if h.rewarded { 1.0 } else { 0.0 }))
}

impl Tally {
    fn add(&mut self, reward: f64) {
        self.pushes += 1.0;
        self.rewarded += reward;
    }

    /// Mean and standard deviation of the Beta posterior of these pushes on a prior of
    /// `strength` pseudo-pushes at rate `prior`.
    fn posterior(self, prior: f64, strength: f64) -> (f64, f64) {
        let a = strength * prior + self.rewarded;
        let b = strength * (1.0 - prior) + self.pushes - self.rewarded;
        (
            a / (a + b),
            (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt(),
        )
    }

    /// The user's overall rate, shrunk toward [`PRIOR_RATE`].
    fn user_rate(self) -> f64 {
        self.posterior(PRIOR_RATE, PRIOR_STRENGTH).0
    }
}

/// The user's judged pushes at a clock, tallied once (all of them, and by type) for every
/// trigger of a plan to read.
#[derive(Debug, Clone, Copy)]
pub struct Rewards {
    all: Tally,
    by_type: [Tally; MessageType::ALL.len()],
}

impl Rewards {
    /// The judged pushes of `history` at `now`.
    pub fn of(history: &[HistoryEntry], now: DateTime<Utc>) -> Self {
        let mut r = Rewards {
            all: Tally::default(),
            by_type: [Tally::default(); MessageType::ALL.len()],
        };
        for (h, reward) in judged(history, now) {
            r.all.add(reward);
            if let Some(t) = r.by_type.get_mut(h.message_type as usize) {
                t.add(reward);
            }
        }
        r
    }

    /// Whether a push of `ty` is worth sending to this user now: its optimistic reward rate
    /// reaches the user's overall rate (see the module doc). `population` is the fitted
    /// `(rate of the type in the user's segment, overall rate)` when there is a fit.
    pub fn worth_sending(&self, ty: MessageType, population: Option<(f64, f64)>) -> bool {
        let (mean, sd, user) = self.rates(ty, population);
        mean + OPTIMISM * sd >= MIN_REWARD_RATE.max(user)
    }

    /// The type's posterior mean and standard deviation, and the user's overall rate. With
    /// the population's `(rate of the type in the user's segment, overall rate)`, the type's
    /// prior is the population's rate of the type scaled by how this user responds compared
    /// with everyone; without, it is the user's overall rate.
    fn rates(&self, ty: MessageType, population: Option<(f64, f64)>) -> (f64, f64, f64) {
        let of_type = self.by_type.get(ty as usize).copied().unwrap_or_default();
        let user_rate = self.all.user_rate();
        let (prior, strength) = match population {
            Some((type_rate, overall)) if overall > 0.0 => (
                (type_rate * user_rate / overall).clamp(0.001, 0.999),
                POPULATION_PRIOR_STRENGTH,
            ),
            _ => (user_rate, PRIOR_STRENGTH),
        };
        let (mean, sd) = of_type.posterior(prior, strength);
        (mean, sd, user_rate)
    }
}

/// Minutes before the middle of the user's usual hour a push may be aimed at: eight
/// half-hour slots, from the usual hour itself to three and a half hours before.
pub const LEAD_MINUTES: [u32; 8] = [0, 30, 60, 90, 120, 150, 180, 210];

/// The local minute of the day to aim pushes at, learned per user: each half-hour slot of
/// [`LEAD_MINUTES`] before the middle of the usual hour is an arm whose reward rate is a Beta
/// posterior of the user's judged pushes sent nearest that slot (on a prior of
/// [`PRIOR_STRENGTH`] / 2 pseudo-pushes at the user's overall rate, scaled by the population's
/// reward at that lead when there is a fit); one arm is drawn by Thompson sampling (a normal
/// draw at the posterior's mean and standard deviation). A push can only be rewarded if the
/// habit follows it, so the arms lie at and before the usual hour; which slot works is the
/// user's to show.
pub fn send_minute(
    history: &[HistoryEntry],
    usual_hour: u32,
    tz: chrono_tz::Tz,
    priors: &Priors,
    now: DateTime<Utc>,
    rng: &mut super::rng::Rng,
) -> u32 {
    let middle = usual_hour * 60 + 30;
    let mut arms = [Tally::default(); LEAD_MINUTES.len()];
    let mut all = Tally::default();
    for (h, r) in judged(history, now) {
        all.add(r);
        let minute = super::timing::local_minute(tz, h.send_at);
        let before = (middle + 1440 - minute) % 1440;
        // The nearest slot, if the push came within a quarter hour of one.
        let arm = ((before + 15) / 30) as usize;
        if arm < arms.len() {
            arms[arm].add(r);
        }
    }
    let user_rate = all.user_rate();
    let mut best = (f64::NEG_INFINITY, 0);
    for (i, arm) in arms.iter().enumerate() {
        let target = (middle + 1440 - LEAD_MINUTES[i]) % 1440;
        let prior = if priors.fitted {
            let lead = super::learned::lead_bucket(usual_hour, target / 60);
            (user_rate * priors.lead_factor(lead)).clamp(0.001, 0.999)
        } else {
            user_rate
        };
        let (mean, sd) = arm.posterior(prior, PRIOR_STRENGTH / 2.0);
        // Box–Muller from two uniforms of the plan's own stream.
        let (u1, u2) = (rng.next_f64().max(f64::MIN_POSITIVE), rng.next_f64());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let draw = mean + sd * z;
        if draw > best.0 {
            best = (draw, i);
        }
    }
    (middle + 1440 - LEAD_MINUTES[best.1]) % 1440
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::preferences::Tone;
    use chrono::TimeZone;

    fn worth_sending(
        history: &[HistoryEntry],
        ty: MessageType,
        now: DateTime<Utc>,
        population: Option<(f64, f64)>,
    ) -> bool {
        Rewards::of(history, now).worth_sending(ty, population)
    }

    fn push(ty: MessageType, days_ago: i64, rewarded: bool, now: DateTime<Utc>) -> HistoryEntry {
        HistoryEntry {
            message_id: format!("{ty:?}{days_ago}"),
            occurrence: format!("{ty:?}:{days_ago}"),
            message_type: ty,
            template_id: "t".into(),
            variant_id: "a".into(),
            tone: Tone::Gentle,
            send_at: now - Duration::days(days_ago),
            status: MessageStatus::Sent,
            read_at: None,
            acted_at: None,
            rewarded,
            delivered_at: None,
        }
    }

    #[test]
    fn a_type_that_keeps_failing_stops_and_one_that_works_goes_on() {
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        let ty = MessageType::EveningReflection;
        assert!(worth_sending(&[], ty, now, None), "untried: worth a try");
        let failing: Vec<_> = (1..=8).map(|d| push(ty, d, false, now)).collect();
        assert!(!worth_sending(&failing, ty, now, None));
        // Another type of the same user is judged on its own, from a lower prior.
        assert!(worth_sending(&failing, MessageType::RiskWarning, now, None));
        let working: Vec<_> = (1..=8).map(|d| push(ty, d, d % 2 == 0, now)).collect();
        assert!(worth_sending(&working, ty, now, None));
    }

    #[test]
    fn the_population_decides_a_type_the_user_has_not_tried() {
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        let ty = MessageType::EveningReflection;
        // Everyone's evening reflections are almost never followed by the habit.
        assert!(!worth_sending(&[], ty, now, Some((0.01, 0.25))));
        // A type that works for everyone is tried.
        assert!(worth_sending(&[], ty, now, Some((0.3, 0.25))));
        // The user's own pushes still move it: one who responds to it better than to their
        // other pushes keeps it.
        let mut working: Vec<_> = (1..=12).map(|d| push(ty, d, d % 2 == 0, now)).collect();
        working.extend((1..=12).map(|d| push(MessageType::GeneralWisdom, d, d % 6 == 0, now)));
        assert!(worth_sending(&working, ty, now, Some((0.05, 0.25))));
    }

    #[test]
    fn the_send_slot_that_works_wins_more_draws() {
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        let usual = 19;
        // Pushes at 17:00 UTC (two and a half hours before the middle of the usual hour)
        // followed by the habit, the others not.
        let mut history = Vec::new();
        for d in 1..=12 {
            for (hour, rewarded) in [(17, true), (19, false), (18, false), (16, false)] {
                let mut h = push(MessageType::RiskWarning, d, rewarded, now);
                h.send_at = Utc
                    .with_ymd_and_hms(2027, 1, 31 - d as u32 % 28, hour, 0, 0)
                    .unwrap();
                history.push(h);
            }
        }
        let share = |history: &[HistoryEntry], minute: u32| {
            (0..800u64)
                .filter(|s| {
                    let mut rng = crate::engine::rng::Rng::new(*s);
                    send_minute(
                        history,
                        usual,
                        chrono_tz::UTC,
                        &Priors::default(),
                        now,
                        &mut rng,
                    ) == minute
                })
                .count() as f64
                / 800.0
        };
        assert!(
            share(&history, 17 * 60) > 0.6,
            "{}",
            share(&history, 17 * 60)
        );
        // Without outcomes every slot gets tried.
        for lead in LEAD_MINUTES {
            let s = share(&[], usual * 60 + 30 - lead);
            assert!((0.06..0.2).contains(&s), "lead {lead}: {s}");
        }
    }

    #[test]
    fn a_new_user_starts_from_the_populations_best_lead() {
        use crate::engine::learned::{LeadFit, Model, Tally};
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        let lead = |lead: i32, rate: f64| LeadFit {
            lead,
            tally: Tally {
                pushes: 5000.0,
                rewarded: 5000.0 * rate,
            },
        };
        let priors = Priors::from(&Model {
            pushes: 20_000.0,
            leads: vec![lead(0, 0.1), lead(1, 0.2), lead(2, 0.45), lead(3, 0.2)],
            ..Model::default()
        });
        let picks = |priors: &Priors| {
            (0..400u64)
                .filter(|s| {
                    let mut rng = crate::engine::rng::Rng::new(*s);
                    send_minute(&[], 19, chrono_tz::UTC, priors, now, &mut rng) / 60 == 17
                })
                .count()
        };
        assert!(
            picks(&priors) > 2 * picks(&Priors::default()),
            "{}",
            picks(&priors)
        );
    }

    #[test]
    fn outcomes_still_open_do_not_count() {
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        let ty = MessageType::GeneralWisdom;
        let mut open: Vec<_> = (1..=8).map(|d| push(ty, d, false, now)).collect();
        for h in &mut open {
            h.send_at = now - Duration::minutes(30);
        }
        assert_eq!(reward_rate(&open, ty, now), reward_rate(&[], ty, now));
    }

    #[test]
    fn the_posterior_moves_with_the_evidence() {
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        let ty = MessageType::RiskWarning;
        let (prior, _) = reward_rate(&[], ty, now);
        assert!((prior - PRIOR_RATE).abs() < 1e-12);
        let good: Vec<_> = (1..=6).map(|d| push(ty, d, true, now)).collect();
        let bad: Vec<_> = (1..=6).map(|d| push(ty, d, false, now)).collect();
        assert!(reward_rate(&good, ty, now).0 > prior);
        assert!(reward_rate(&bad, ty, now).0 < prior);
    }
}
