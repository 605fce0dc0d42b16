//! Triggers: the moments a message would help, each with a stable occurrence key so the same
//! moment is recognised on every run (and planned at most once).
//!
//! | trigger | type | priority | occurrence (one per …) |
//! |---|---|---|---|
//! | streak risk high / medium | risk_warning | 100 / 80 | local day |
//! | streak risk low | streak_motivation | 40 | local day |
//! | milestone 3, 7, 14, 21, 30, 60, 90, 100, 180, 365 | milestone_celebration | 90 | milestone of a streak run |
//! | new personal best (≥ 5, beating an earlier run ≥ 3) | streak_achievement | 65 | streak run |
//! | break of 2–6 days after a run ≥ 7 | streak_recovery | 75 | attempt after the last active day |
//! | break of 2–13 days | comeback_assistance | 70 | attempt |
//! | break of 14 days or more | reactivation | 60 | attempt |
//! | 12+ of the last 14 days active | consistency_recognition | 50 | ISO week |
//! | ≥ 20 % more minutes than the week before | progress_encouragement | 45 | ISO week |
//! | advanced user (master / builder / quality, strength ≥ 0.6) | challenge, goal, expansion, difficulty (rotating) | 40 | ISO week |
//! | weekend day, not active yet | weekend_encouragement | 32 | local day |
//! | morning before 11:00, not active yet | morning_motivation | 30 | local day |
//! | active today, before 22:00 | evening_reflection | 28 | local day |
//! | 14+ active days, consent | behavioral_insight | 25 | ISO week |
//! | usual hour known, outside preferred windows, consent | timing_optimization | 22 | month |
//! | getting started or strength < 0.3 | habit_formation_tip | 20 | 3 days |
//! | anyone | general_wisdom | 10 | ISO week |
//!
//! Comeback attempts back off: the n-th attempt after a break waits 2^(n−1) days after the
//! previous one, and there are at most [`MAX_COMEBACK_ATTEMPTS`].

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::history::HistoryEntry;
use super::risk::RiskLevel;
use super::state::UserState;
use super::text::push_int;
use super::tone::BreakLength;
use crate::domain::preferences::{MessageType, Preferences};
use crate::domain::user::Segment;

/// Streak lengths celebrated as milestones.
pub const MILESTONES: [u32; 10] = [3, 7, 14, 21, 30, 60, 90, 100, 180, 365];
/// Comeback messages sent after one break at most.
pub const MAX_COMEBACK_ATTEMPTS: u32 = 5;

/// When in the day a message should land.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// As soon as allowed.
    Soon,
    /// Local 06:00–11:59.
    Morning,
    /// Local 17:00–21:59.
    Evening,
    /// Near the user's learned best hour.
    BestTime,
}

/// A moment a message would help.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub message_type: MessageType,
    pub priority: u8,
    /// Stable identity of this occurrence (`milestone:7:2026-03-01`).
    pub occurrence: String,
    pub moment: Moment,
    pub expires_at: DateTime<Utc>,
    /// The figures that fired it, for the message's reason.
    pub figures: Figures,
    pub risk: Option<RiskLevel>,
    pub break_length: Option<BreakLength>,
    /// The milestone reached or aimed at, for `{milestone}`.
    pub milestone: Option<u32>,
}

/// The figures behind a trigger, by name: a handful, so a vector kept in name order rather
/// than a tree. Serialised as the map from name to value it stands for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures(Vec<(&'static str, f64)>);

impl Figures {
    /// Empty, with room for a trigger's few figures (it grows if one has more).
    fn with_room() -> Self {
        Figures(Vec::with_capacity(6))
    }

    /// Sets the figure `name` (replacing its value if it has one).
    pub fn insert(&mut self, name: &'static str, value: f64) {
        match self.0.binary_search_by(|(n, _)| (*n).cmp(name)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    /// The figure `name`, if set.
    pub fn get(&self, name: &str) -> Option<&f64> {
        self.0
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Every figure, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.0.iter().copied()
    }
}

impl serde::Serialize for Figures {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(n, v)| (n, v)))
    }
}

/// The ISO week of a day as `2026-W09`.
fn iso_week(d: NaiveDate) -> String {
    let w = d.iso_week();
    let mut s = String::with_capacity(8);
    push_int(&mut s, i64::from(w.year()), 1);
    s.push_str("-W");
    push_int(&mut s, i64::from(w.week()), 2);
    s
}

/// One part of an occurrence key.
trait KeyPart {
    fn put(&self, s: &mut String);
}

impl KeyPart for &str {
    fn put(&self, s: &mut String) {
        s.push_str(self);
    }
}

impl KeyPart for u32 {
    fn put(&self, s: &mut String) {
        push_int(s, i64::from(*self), 1);
    }
}

impl KeyPart for i32 {
    fn put(&self, s: &mut String) {
        push_int(s, i64::from(*self), 1);
    }
}

impl KeyPart for NaiveDate {
    /// As chrono displays a date: `2026-03-04`.
    fn put(&self, s: &mut String) {
        if (0..=9999).contains(&self.year()) {
            push_int(s, i64::from(self.year()), 4);
            s.push('-');
            push_int(s, i64::from(self.month()), 2);
            s.push('-');
            push_int(s, i64::from(self.day()), 2);
        } else {
            use std::fmt::Write;
            // Writing into a String cannot fail.
            let _ = write!(s, "{self}");
        }
    }
}

/// An occurrence key: `kind` and `parts` joined by `:`. Written by hand rather than with
/// `format!`: a plan builds one per trigger, and the formatting machinery was a tenth of a plan.
fn key(kind: &str, parts: &[&dyn KeyPart]) -> String {
    let mut s = String::with_capacity(40);
    s.push_str(kind);
    for p in parts {
        s.push(':');
        p.put(&mut s);
    }
    s
}

/// The UTC instant of local `time` on local `date` (the later instant in a fold, the first
/// valid one after a gap).
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(_, late) => late.with_timezone(&Utc),
        chrono::LocalResult::None => {
            // In a DST gap: the first valid minute after it.
            let mut probe = naive;
            for _ in 0..180 {
                probe += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&naive)
        }
    }
}

/// Local midnight ending `date`.
fn end_of_day(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(date);
    local_instant(tz, next, NaiveTime::MIN)
}

struct Builder<'a> {
    state: &'a UserState,
    out: Vec<Trigger>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        ty: MessageType,
        priority: u8,
        occurrence: String,
        moment: Moment,
        expires_at: DateTime<Utc>,
    ) -> &mut Trigger {
        self.out.push(Trigger {
            message_type: ty,
            priority,
            occurrence,
            moment,
            expires_at,
            figures: Figures::with_room(),
            risk: None,
            break_length: None,
            milestone: None,
        });
        let s = self.state;
        let t = self.out.last_mut().unwrap_or_else(|| unreachable!());
        t.figures
            .insert("current_streak", f64::from(s.current_streak));
        t
    }
}

/// The occurrence of an earlier celebration of milestone `m` in the run that began on `start`
/// (keyed on a day inside the run), if there is one.
fn celebrated_in_run(history: &[HistoryEntry], m: u32, start: NaiveDate) -> Option<String> {
    history
        .iter()
        .find(|h| {
            h.occurrence
                .strip_prefix("milestone:")
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(hm, day)| {
                    hm.parse::<u32>().ok() == Some(m)
                        && NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok_and(|d| d >= start)
                })
        })
        .map(|h| h.occurrence.clone())
}

/// Every trigger that fires for the user now, highest priority first.
pub fn detect(state: &UserState, prefs: &Preferences, history: &[HistoryEntry]) -> Vec<Trigger> {
    let s = state;
    let tz = s.tz;
    let now = s.now;
    let midnight = end_of_day(tz, s.today);
    let week = iso_week(s.today);
    let mut b = Builder {
        state,
        out: Vec::with_capacity(8),
    };

    // Streak risk.
    if let Some((level, points)) = s.risk {
        let (ty, priority, kind) = match level {
            RiskLevel::High => (MessageType::RiskWarning, 100, "warning"),
            RiskLevel::Medium => (MessageType::RiskWarning, 80, "warning"),
            RiskLevel::Low => (MessageType::StreakMotivation, 40, "motivation"),
        };
        // The points table's medium risk already means late in the day: at once. The model's
        // medium risk is a forecast for the day: at the best time (still before midnight).
        let moment = match level {
            RiskLevel::Low => Moment::BestTime,
            RiskLevel::Medium if s.risk_probability.is_some() => Moment::BestTime,
            _ => Moment::Soon,
        };
        let t = b.push(
            ty,
            priority,
            key("streak-risk", &[&s.today, &kind]),
            moment,
            midnight,
        );
        t.risk = Some(level);
        match s.risk_probability {
            Some(p) => t.figures.insert("risk_probability", p),
            None => t.figures.insert("risk_points", f64::from(points)),
        };
        t.figures.insert("hours_left_today", 24.0 - s.local_hour);
        if let Some(h) = s.usual_hour {
            t.figures.insert("usual_hour", f64::from(h));
        }
    }

    // Milestones: the highest reached by a streak that is alive, once per run.
    if let (Some(start), true) = (s.latest_run_start, s.current_streak > 0) {
        if let Some(m) = MILESTONES.iter().rev().find(|m| **m <= s.current_streak) {
            // Reached today or yesterday, not a stale one of a long streak.
            if s.current_streak - m <= 1 {
                // A late activity can move the run's start back; the milestone stays the one
                // already celebrated in this run (its key found in the history), so it is
                // planned once however the run's start moves.
                let occurrence = celebrated_in_run(history, *m, start)
                    .unwrap_or_else(|| key("milestone", &[m, &start]));
                let t = b.push(
                    MessageType::MilestoneCelebration,
                    90,
                    occurrence,
                    Moment::Soon,
                    now + Duration::hours(24),
                );
                t.milestone = Some(*m);
                t.figures.insert("milestone", f64::from(*m));
            }
        }
        let celebrated_now = b
            .out
            .iter()
            .any(|t| t.message_type == MessageType::MilestoneCelebration);
        if !celebrated_now
            && s.current_streak >= 5
            && s.best_before_latest_run >= 3
            && s.current_streak > s.best_before_latest_run
        {
            let t = b.push(
                MessageType::StreakAchievement,
                65,
                key("personal-best", &[&start]),
                Moment::BestTime,
                now + Duration::hours(36),
            );
            t.figures
                .insert("previous_best", f64::from(s.best_before_latest_run));
        }
    }

    // Breaks: recovery, comeback, reactivation, with back-off between attempts.
    if let (Some(last), Some(days)) = (s.last_active_day, s.days_since_active) {
        if days >= 2 {
            let since = local_instant(tz, last.succ_opt().unwrap_or(last), NaiveTime::MIN);
            let comeback_types = [
                MessageType::StreakRecovery,
                MessageType::ComebackAssistance,
                MessageType::Reactivation,
            ];
            let attempts: Vec<DateTime<Utc>> = history
                .iter()
                .filter(|h| comeback_types.contains(&h.message_type) && h.send_at >= since)
                .map(|h| h.send_at)
                .collect();
            let n = attempts.len() as u32;
            let wait = Duration::days(1i64 << n.saturating_sub(1).min(10));
            let due = attempts.iter().max().is_none_or(|prev| now >= *prev + wait);
            if n < MAX_COMEBACK_ATTEMPTS && due {
                let (ty, priority) = if days >= 14 {
                    (MessageType::Reactivation, 60)
                } else if days <= 6 && s.latest_run_len >= 7 {
                    (MessageType::StreakRecovery, 75)
                } else {
                    (MessageType::ComebackAssistance, 70)
                };
                let t = b.push(
                    ty,
                    priority,
                    key("comeback", &[&last, &(n + 1)]),
                    Moment::BestTime,
                    now + Duration::hours(24),
                );
                t.break_length = Some(BreakLength::of_days(days));
                t.figures.insert("days_since_active", days as f64);
                t.figures.insert("attempt", f64::from(n + 1));
                t.figures
                    .insert("broken_streak", f64::from(s.latest_run_len));
            }
        }
    }

    let recently_active = s.days_since_active.is_some_and(|d| d <= 1);

    if s.active_14 >= 12 {
        let t = b.push(
            MessageType::ConsistencyRecognition,
            50,
            key("consistency", &[&week.as_str()]),
            Moment::BestTime,
            now + Duration::hours(48),
        );
        t.figures.insert("active_days_14", f64::from(s.active_14));
    }
    if recently_active
        && s.minutes_prev_7 >= 10
        && s.minutes_7 as f64 >= 1.2 * s.minutes_prev_7 as f64
    {
        let t = b.push(
            MessageType::ProgressEncouragement,
            45,
            key("progress", &[&week.as_str()]),
            Moment::BestTime,
            now + Duration::hours(48),
        );
        t.figures.insert("minutes_7", s.minutes_7 as f64);
        t.figures.insert("minutes_prev_7", s.minutes_prev_7 as f64);
    }

    // Growth for advanced users: one kind per week, rotating.
    let advanced = matches!(
        s.segment,
        Segment::HabitMaster | Segment::ConsistencyBuilder | Segment::QualityFocused
    );
    if advanced && s.strength >= 0.6 && recently_active {
        let mut kinds = vec![
            MessageType::ChallengeMotivation,
            MessageType::GoalSuggestion,
        ];
        if s.values_engaged <= 1 {
            kinds.push(MessageType::HabitExpansion);
        }
        if s.current_streak >= 14 {
            kinds.push(MessageType::DifficultyIncrease);
        }
        let ty = kinds[s.today.iso_week().week() as usize % kinds.len()];
        let t = b.push(
            ty,
            40,
            key("growth", &[&week.as_str()]),
            Moment::BestTime,
            now + Duration::hours(72),
        );
        t.figures.insert("habit_strength", s.strength);
        t.milestone = MILESTONES.iter().find(|m| **m > s.current_streak).copied();
    }

    // Contextual.
    if matches!(s.weekday, Weekday::Sat | Weekday::Sun)
        && !s.active_today
        && s.total_active_days > 0
    {
        b.push(
            MessageType::WeekendEncouragement,
            32,
            key("weekend", &[&s.today]),
            Moment::BestTime,
            midnight,
        );
    }
    if s.local_hour < 11.0 && !s.active_today {
        let noon = local_instant(
            tz,
            s.today,
            NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN),
        );
        b.push(
            MessageType::MorningMotivation,
            30,
            key("morning", &[&s.today]),
            Moment::Morning,
            noon,
        );
    }
    if s.active_today && s.local_hour < 22.0 {
        b.push(
            MessageType::EveningReflection,
            28,
            key("evening", &[&s.today]),
            Moment::Evening,
            midnight,
        );
    }

    // Insights and tips.
    if prefs.personalization_consent && s.total_active_days >= 14 {
        let t = b.push(
            MessageType::BehavioralInsight,
            25,
            key("insight", &[&week.as_str()]),
            Moment::BestTime,
            now + Duration::hours(72),
        );
        t.figures.insert("habit_strength", s.strength);
        t.figures
            .insert("formation_probability", s.formation_probability);
    }
    if prefs.personalization_consent {
        if let Some(h) = s.usual_hour {
            let minute = h * 60 + 30;
            let covered = prefs.preferred_windows.iter().any(|w| {
                crate::domain::preferences::LocalTime::from_hm(h, 30).is_some_and(|t| w.contains(t))
            });
            if !covered {
                let t = b.push(
                    MessageType::TimingOptimization,
                    22,
                    format!("timing:{}-{:02}", s.today.year(), s.today.month()),
                    Moment::BestTime,
                    now + Duration::hours(72),
                );
                t.figures.insert("usual_minute_of_day", f64::from(minute));
            }
        }
    }
    if s.segment == Segment::GettingStarted || s.strength < 0.3 {
        let bucket = s.today.num_days_from_ce() / 3;
        b.push(
            MessageType::HabitFormationTip,
            20,
            key("tip", &[&bucket]),
            Moment::BestTime,
            now + Duration::hours(24),
        );
    }
    b.push(
        MessageType::GeneralWisdom,
        10,
        key("wisdom", &[&week.as_str()]),
        Moment::BestTime,
        now + Duration::hours(72),
    );

    let mut out = b.out;
    out.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.occurrence.cmp(&b.occurrence))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_assert_eq, proptest};

    #[test]
    fn figures_read_and_serialise_as_the_map_they_stand_for() {
        let mut figures = Figures::default();
        let mut map = std::collections::BTreeMap::new();
        for (name, value) in [
            ("usual_hour", 9.0),
            ("current_streak", 4.0),
            ("attempt", 1.0),
        ] {
            figures.insert(name, value);
            map.insert(name, value);
        }
        figures.insert("attempt", 2.0);
        map.insert("attempt", 2.0);
        assert_eq!(
            serde_json::to_string(&figures).expect("json"),
            serde_json::to_string(&map).expect("json")
        );
        assert_eq!(figures.get("attempt"), Some(&2.0));
        assert_eq!(figures.get("missing"), None);
        let listed: Vec<_> = figures.iter().collect();
        assert_eq!(listed, map.into_iter().collect::<Vec<_>>());
    }

    proptest! {
        /// Keys are stored (message ids derive from them): written by hand, they must read
        /// exactly as `format!` wrote them.
        #[test]
        fn keys_read_as_format_wrote_them(days in -800_000i32..4_000_000, n in 0u32..5_000, b in i32::MIN..i32::MAX) {
            let d = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MIN);
            prop_assert_eq!(key("comeback", &[&d, &n]), format!("comeback:{d}:{n}"));
            prop_assert_eq!(key("tip", &[&b]), format!("tip:{b}"));
            let w = d.iso_week();
            prop_assert_eq!(iso_week(d), format!("{}-W{:02}", w.year(), w.week()));
            prop_assert_eq!(key("consistency", &[&"x-W01"]), "consistency:x-W01");
        }
    }
}
