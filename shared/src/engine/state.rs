//! What the engine derives about a user at plan time, from the summary, preferences, history
//! and clock: streaks, consistency, segment, strength, risk and the learned best hour.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::history::HistoryEntry;
use super::risk::{streak_risk, RiskInputs, RiskLevel, RiskModel, RiskMoment};
use super::segment::{segment, SegmentInputs};
use super::strength::{formation_probability, habit_strength};
use super::summary::BehaviourSummary;
use crate::domain::preferences::Preferences;
use crate::domain::user::Segment;

/// Pseudo-observations the population's hour profile counts for when learning a user's best
/// hour: with little data of their own, users get the population's best hour.
pub const BEST_HOUR_PRIOR_WEIGHT: f64 = 24.0;
/// Activity weight below which the user's usual activity hour is unknown.
pub const MIN_USUAL_HOUR_WEIGHT: f64 = 3.0;

/// Population-wide figures the engine shrinks thin user data toward.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Relative engagement by local hour of day.
    pub hour_weights: [f64; 24],
}

impl Default for Population {
    /// Engagement peaks at 08:00 and 19:00, low overnight.
    fn default() -> Self {
        let mut hour_weights = [0.2; 24];
        for (h, w) in hour_weights.iter_mut().enumerate() {
            let morning = (-((h as f64 - 8.0).powi(2)) / 4.0).exp();
            let evening = (-((h as f64 - 19.0).powi(2)) / 6.0).exp();
            *w += 2.0 * morning + 2.5 * evening;
        }
        Population { hour_weights }
    }
}

/// The analysed state of one user now.
#[derive(Debug, Clone, PartialEq)]
pub struct UserState {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub today: NaiveDate,
    /// Local hour of day as a fraction (13.5 = 13:30).
    pub local_hour: f64,
    pub weekday: Weekday,
    pub current_streak: u32,
    pub longest_streak: u32,
    pub best_before_latest_run: u32,
    pub latest_run_start: Option<NaiveDate>,
    pub latest_run_len: u32,
    pub active_today: bool,
    pub last_active_day: Option<NaiveDate>,
    /// Local days since the last active day (0 = active today).
    pub days_since_active: Option<i64>,
    pub active_7: u32,
    pub active_14: u32,
    pub active_30: u32,
    pub consistency_30: f64,
    pub minutes_7: u64,
    pub minutes_prev_7: u64,
    pub avg_session_minutes: f64,
    pub total_active_days: u32,
    pub values_engaged: usize,
    /// The display name (or id) of the most practised value.
    pub top_value: Option<String>,
    pub segment: Segment,
    pub strength: f64,
    pub formation_probability: f64,
    pub usual_hour: Option<u32>,
    /// The learned best hour to reach the user (shrunk toward the population's).
    pub best_hour: u32,
    /// Streak risk and its points (the rules' table).
    pub risk: Option<(RiskLevel, u32)>,
    /// The fitted model's probability of losing the streak today, when a model set `risk`.
    pub risk_probability: Option<f64>,
}

/// Analyses a user at `now`.
pub fn analyse(
    summary: &BehaviourSummary,
    prefs: &Preferences,
    history: &[HistoryEntry],
    population: &Population,
    now: DateTime<Utc>,
) -> UserState {
    let tz = prefs.timezone.0;
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    let local_hour = f64::from(local.hour()) + f64::from(local.minute()) / 60.0;
    let current_streak = summary.current_streak(today);
    let last_active_day = summary.days.last_on_or_before(today);
    let days_since_active = last_active_day.map(|d| (today - d).num_days());
    let active_today = days_since_active == Some(0);
    let windows = summary.windows(today);
    let [active_7, active_14, active_30] = windows.active;
    let span = summary
        .days
        .first()
        .map_or(1, |first| (today - first).num_days() + 1)
        .clamp(1, 30);
    let consistency_30 = f64::from(active_30) / span as f64;
    let minutes_7 = windows.minutes[0];
    let minutes_prev_7 = windows.minutes[1] - minutes_7;
    let sessions_30 = windows.activities_30;
    let avg_session_minutes = if sessions_30 == 0 {
        0.0
    } else {
        windows.minutes[2] as f64 / sessions_30 as f64
    };
    let total_active_days = summary.active_days();
    let segment = segment(&SegmentInputs {
        total_active_days,
        consistency_30d: consistency_30,
        longest_streak: summary.longest_streak,
        avg_session_minutes,
    });
    let strength = habit_strength(summary, today);
    let profile = summary.hour_of_day_profile();
    let activity_weight: f64 = profile.iter().sum();
    let usual_hour = (activity_weight >= MIN_USUAL_HOUR_WEIGHT).then(|| argmax(&profile));
    let best_hour = learned_best_hour(
        &profile,
        history,
        population,
        prefs.personalization_consent,
        tz,
    );
    let risk = streak_risk(&RiskInputs {
        current_streak,
        active_today,
        local_hour,
        usual_hour,
        active_days_last_7: active_7,
    });
    let top_value = summary
        .values
        .iter()
        .max_by(|a, b| a.1.count.cmp(&b.1.count).then_with(|| b.0.cmp(a.0)))
        .map(|(id, v)| v.name.clone().unwrap_or_else(|| id.clone()));
    let (latest_run_start, latest_run_len) = match summary.latest_run {
        Some((s, e)) => (Some(s), u32::try_from((e - s).num_days() + 1).unwrap_or(0)),
        None => (None, 0),
    };
    UserState {
        now,
        tz,
        today,
        local_hour,
        weekday: local.weekday(),
        current_streak,
        longest_streak: summary.longest_streak,
        best_before_latest_run: summary.best_before_latest_run,
        latest_run_start,
        latest_run_len,
        active_today,
        last_active_day,
        days_since_active,
        active_7,
        active_14,
        active_30,
        consistency_30,
        minutes_7,
        minutes_prev_7,
        avg_session_minutes,
        total_active_days,
        values_engaged: summary.values.len(),
        top_value,
        segment,
        strength,
        formation_probability: formation_probability(strength, total_active_days),
        usual_hour,
        best_hour,
        risk,
        risk_probability: None,
    }
}

impl UserState {
    /// Streak risk from a fitted model instead of the points table (the streak the day
    /// started with, the 7 and 30 days before today, the time, the usual hour).
    pub fn with_risk_model(mut self, model: &RiskModel, summary: &BehaviourSummary) -> Self {
        let yesterday = self.today.pred_opt().unwrap_or(self.today);
        let moment = RiskMoment {
            local_hour: self.local_hour,
            usual_hour: self.usual_hour,
            streak: self.current_streak,
            active_prev_7: summary.active_days_in(yesterday, 7),
            active_prev_30: summary.active_days_in(yesterday, 30),
            weekday: self.weekday,
        };
        match model.level(&moment, self.active_today) {
            Some((level, p)) => {
                self.risk = Some((level, self.risk.map_or(0, |r| r.1)));
                self.risk_probability = Some(p);
            }
            None => {
                self.risk = None;
                self.risk_probability = None;
            }
        }
        self
    }
}

fn argmax(weights: &[f64; 24]) -> u32 {
    let mut best = 0;
    for (h, w) in weights.iter().enumerate() {
        if *w > weights[best] {
            best = h;
        }
    }
    best as u32
}

/// The hour of day the user is most likely to engage: their activity (decayed) plus their
/// reads (1) and actions (2) by local hour, shrunk toward the population's profile with
/// [`BEST_HOUR_PRIOR_WEIGHT`] pseudo-observations. Without consent to personalisation, the
/// population's best hour.
pub fn learned_best_hour(
    activity: &[f64; 24],
    history: &[HistoryEntry],
    population: &Population,
    consent: bool,
    tz: Tz,
) -> u32 {
    let prior_total: f64 = population.hour_weights.iter().sum();
    let mut prior = [1.0 / 24.0; 24];
    if prior_total > 0.0 {
        for (p, w) in prior.iter_mut().zip(&population.hour_weights) {
            *p = w / prior_total;
        }
    }
    if !consent {
        return argmax(&prior);
    }
    let mut observed = *activity;
    // Engagement hours in the zone's current offset (one lookup, not one per message; an hour
    // off across a DST change is noise for a preference learned over weeks).
    let offset = history
        .first()
        .map(|h| super::timing::utc_offset(tz, h.send_at))
        .unwrap_or(0);
    let hour = |t: DateTime<Utc>| ((t.timestamp() + offset).rem_euclid(86_400) / 3600) as usize;
    for h in history {
        if let Some(t) = h.read_at {
            observed[hour(t)] += 1.0;
        }
        if let Some(t) = h.acted_at {
            observed[hour(t)] += 2.0;
        }
    }
    let n: f64 = observed.iter().sum();
    let mut posterior = [0.0; 24];
    for h in 0..24 {
        posterior[h] =
            (observed[h] + BEST_HOUR_PRIOR_WEIGHT * prior[h]) / (n + BEST_HOUR_PRIOR_WEIGHT);
    }
    argmax(&posterior)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_data_follows_the_population_and_rich_data_the_user() {
        let pop = Population::default();
        let tz = chrono_tz::UTC;
        let mut activity = [0.0; 24];
        assert_eq!(learned_best_hour(&activity, &[], &pop, true, tz), 19);
        activity[6] = 1.0;
        assert_eq!(
            learned_best_hour(&activity, &[], &pop, true, tz),
            19,
            "one event is not enough"
        );
        activity[6] = 30.0;
        assert_eq!(learned_best_hour(&activity, &[], &pop, true, tz), 6);
        assert_eq!(
            learned_best_hour(&activity, &[], &pop, false, tz),
            19,
            "no consent, no learning"
        );
    }
}
