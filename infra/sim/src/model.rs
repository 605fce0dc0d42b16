//! The user model's formulas (`../shared/SIMULATION.md`, "One simulated day"), as pure
//! functions of a user's true parameters and the moment.

use coaching::domain::preferences::{MessageType, Tone};

use crate::population::UserParams;

/// Highest daily chance of doing the habit.
pub const MAX_DAILY_CHANCE: f64 = 0.98;
/// Highest chance of acting on a read push.
pub const MAX_ACT_CHANCE: f64 = 0.95;
/// Chance that a read push not acted on is dismissed.
pub const DISMISS_CHANCE: f64 = 0.5;

/// The chance of doing the habit on a day: `p_base·(weekend factor) + boost + weight·A`,
/// clamped to [0, 0.98].
pub fn daily_chance(p: &UserParams, weekend: bool, boosted: bool, automaticity: f64) -> f64 {
    let base = p.p_base * if weekend { p.weekend_factor } else { 1.0 };
    let boost = if boosted { p.boost } else { 0.0 };
    (base + boost + p.weight * automaticity).clamp(0.0, MAX_DAILY_CHANCE)
}

/// Automaticity after a day: `A + gain·(1 − A)` when active, `A·(1 − decay)` otherwise.
pub fn automaticity_after(p: &UserParams, a: f64, active: bool) -> f64 {
    if active {
        a + p.gain * (1.0 - a)
    } else {
        a * (1.0 - p.decay)
    }
}

/// The day's churn chance: `hazard·(1 + days since last activity / 7)`.
pub fn churn_chance(p: &UserParams, days_since_active: f64) -> f64 {
    (p.churn_hazard * (1.0 + days_since_active / 7.0)).clamp(0.0, 1.0)
}

/// Attention at local hour `x`: `floor + (1 − floor)·exp(−d²/(2·sd²))`, d the circular
/// distance in hours to the attention hour.
pub fn attention(p: &UserParams, x: f64) -> f64 {
    let d = (x - p.attention_hour).rem_euclid(24.0);
    let d = d.min(24.0 - d);
    p.attention_floor
        + (1.0 - p.attention_floor) * (-(d * d) / (2.0 * p.attention_sd * p.attention_sd)).exp()
}

/// The lead multiplier for `x` = usual hour − push hour: the first row with
/// `from_h ≤ x < to_h`, else 1.
pub fn lead(p: &UserParams, x: f64) -> f64 {
    p.lead
        .iter()
        .find(|l| l.from_h <= x && x < l.to_h)
        .map_or(1.0, |l| l.mult)
}

/// Celebrations ignore `done_today`.
pub fn is_celebration(t: MessageType) -> bool {
    matches!(
        t,
        MessageType::MilestoneCelebration | MessageType::StreakAchievement
    )
}

/// Acting on these starts a boost.
pub fn is_recognition(t: MessageType) -> bool {
    matches!(
        t,
        MessageType::MilestoneCelebration
            | MessageType::StreakAchievement
            | MessageType::ConsistencyRecognition
            | MessageType::ProgressEncouragement
    )
}

/// Acting on these may undo a churn.
pub fn is_comeback(t: MessageType) -> bool {
    matches!(
        t,
        MessageType::ComebackAssistance | MessageType::StreakRecovery | MessageType::Reactivation
    )
}

/// What the user's reaction to a read push depends on besides their parameters.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub message_type: MessageType,
    pub tone: Tone,
    /// Local hour the push is seen (fractional).
    pub seen_hour: f64,
    /// Already active today by then.
    pub done_today: bool,
    /// Pushes received in the 7 days before this one.
    pub n7: u32,
    /// The same template reached the user in the 14 days before.
    pub repeat: bool,
    /// The current streak (consecutive active days up to yesterday).
    pub streak: u32,
}

/// The chance of acting on a read push.
pub fn act_chance(p: &UserParams, m: &Moment) -> f64 {
    let ty = m.message_type;
    let mut x = p.act * p.type_mult[ty as usize] * p.tone_mult[m.tone as usize];
    x *= lead(p, p.hour - m.seen_hour);
    if m.done_today && !is_celebration(ty) {
        x *= p.done_today;
    }
    x *= (-p.fatigue * f64::from(m.n7)).exp();
    if m.repeat {
        x *= p.repeat;
    }
    let streak_type = matches!(ty, MessageType::RiskWarning | MessageType::StreakMotivation);
    if streak_type && m.streak >= 1 && !m.done_today {
        x *= 1.0 + p.streak_aversion * f64::from(m.streak.min(30)) / 30.0;
    }
    x.min(MAX_ACT_CHANCE)
}

/// The per-push chance of opting out: `base + asleep + over·max(0, n7 − tolerance)`.
pub fn optout_chance(p: &UserParams, asleep: bool, n7: u32) -> f64 {
    let over = (f64::from(n7) - p.optout_tolerance).max(0.0);
    (p.optout_base + if asleep { p.optout_asleep } else { 0.0 } + p.optout_over * over)
        .clamp(0.0, 1.0)
}

/// A rating from a standard normal draw `z`: `round(clamp(3 + 2·(type mult − 1) + 0.7·z, 1, 5))`.
pub fn rating(p: &UserParams, t: MessageType, z: f64) -> u8 {
    (3.0 + 2.0 * (p.type_mult[t as usize] - 1.0) + 0.7 * z)
        .clamp(1.0, 5.0)
        .round() as u8
}
