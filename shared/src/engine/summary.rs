//! The behaviour summary: what the engine knows of a user's activity, kept incrementally from
//! activity events so planning needs one read and O(1) work per user.
//!
//! - Idempotent per activity id: ids are remembered for [`DEDUPE_DAYS`], and an event older
//!   than that (against the newest activity) is refused as too old, so no replay is counted
//!   twice.
//! - Order-independent within that horizon: an event that arrives late lands in its own local
//!   day, the streak runs are recomputed, and the histogram weight is decayed from the event's
//!   own time.
//! - Bounded: days, ids and values are pruned to their windows and caps ([`WINDOW_DAYS`],
//!   [`MAX_RECENT_IDS`], [`MAX_VALUES`]), so no stream of events can grow the stored item
//!   past DynamoDB's 400 KB.
//! - Days are the user's local calendar days (IANA zone), so a streak is "consecutive local
//!   dates" and DST changes never split or merge a day.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::events::ActivityEvent;

/// Days of per-day activity kept (covers the 365-day milestone).
pub const WINDOW_DAYS: i64 = 400;
/// Activity ids remembered for de-duplication.
pub const DEDUPE_DAYS: i64 = 35;
/// Most activity ids remembered: with more in [`DEDUPE_DAYS`], the oldest are forgotten and an
/// event at or before the newest forgotten one is refused as too old (never counted twice).
pub const MAX_RECENT_IDS: usize = 1_000;
/// Most values kept; beyond, the one engaged longest ago is forgotten.
pub const MAX_VALUES: usize = 50;
/// Half-life of the hour-of-week histogram, in days.
pub const HISTOGRAM_HALF_LIFE_DAYS: f64 = 28.0;

/// Totals of one local day.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayTotals {
    pub count: u32,
    pub minutes: u32,
    /// Local minute of the day's first activity (absent on days counted before it was kept):
    /// what the streak-risk model learns "still to come today" from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_minute: Option<u16>,
}

/// A user's active local days and their totals, in date order. A sorted vector: the engine
/// reads runs of recent days on every plan (strength, windows, the last active day), and a
/// slice's binary search and scan cost a fraction of a tree's walk. Days are added at the end
/// (events arrive in time order), so inserting stays cheap. Stored as the map from date to
/// totals it replaced, in the same form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Days(Vec<(NaiveDate, DayTotals)>);

impl Days {
    /// The number of active days kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No active day kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, day: NaiveDate) -> Result<usize, usize> {
        self.0.binary_search_by(|(d, _)| d.cmp(&day))
    }

    /// The totals of `day`, if it was active.
    pub fn get(&self, day: NaiveDate) -> Option<&DayTotals> {
        self.find(day).ok().map(|i| &self.0[i].1)
    }

    /// Whether `day` was active.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.find(day).is_ok()
    }

    /// Sets the totals of `day`.
    pub fn insert(&mut self, day: NaiveDate, totals: DayTotals) {
        *self.totals_mut(day) = totals;
    }

    /// The totals of `day`, added as zero first if it was not active.
    pub fn totals_mut(&mut self, day: NaiveDate) -> &mut DayTotals {
        let i = match self.find(day) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (day, DayTotals::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    /// Forgets `day`.
    pub fn remove(&mut self, day: NaiveDate) {
        if let Ok(i) = self.find(day) {
            self.0.remove(i);
        }
    }

    /// Forgets the days before `oldest`.
    pub fn keep_from(&mut self, oldest: NaiveDate) {
        let n = self.0.partition_point(|(d, _)| *d < oldest);
        self.0.drain(..n);
    }

    /// Every active day and its totals, oldest first (the tests' view).
    #[cfg(test)]
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (NaiveDate, &DayTotals)> + '_ {
        self.0.iter().map(|(d, t)| (*d, t))
    }

    /// The active days, oldest first.
    pub fn dates(&self) -> impl DoubleEndedIterator<Item = NaiveDate> + '_ {
        self.0.iter().map(|(d, _)| *d)
    }

    /// The first active day kept.
    pub fn first(&self) -> Option<NaiveDate> {
        self.0.first().map(|(d, _)| *d)
    }

    /// The active days from `from` to `to`, both included, oldest first.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> &[(NaiveDate, DayTotals)] {
        let a = self.0.partition_point(|(d, _)| *d < from);
        let b = self.0.partition_point(|(d, _)| *d <= to);
        self.0.get(a..b).unwrap_or_default()
    }

    /// The latest active day on or before `day`.
    pub fn last_on_or_before(&self, day: NaiveDate) -> Option<NaiveDate> {
        let n = self.0.partition_point(|(d, _)| *d <= day);
        n.checked_sub(1).map(|i| self.0[i].0)
    }
}

impl Serialize for Days {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(d, t)| (d, t)))
    }
}

impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as the map it is stored as: sorted, one entry per date.
        let map = BTreeMap::<NaiveDate, DayTotals>::deserialize(deserializer)?;
        Ok(Days(map.into_iter().collect()))
    }
}

/// Totals of one value the user engages.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ValueTotals {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub count: u32,
    pub minutes: u64,
    pub last: Option<DateTime<Utc>>,
}

/// A user's behaviour summary.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BehaviourSummary {
    /// The zone days are counted in (the user's at the time of each event).
    pub timezone: String,
    /// Local days with activity, the last [`WINDOW_DAYS`].
    pub days: Days,
    pub values: BTreeMap<String, ValueTotals>,
    /// Recent activity ids and their times, for de-duplication (and re-counting local days
    /// when the zone changes, [`BehaviourSummary::rezone`]).
    pub recent_ids: BTreeMap<String, DateTime<Utc>>,
    /// The recent activities as (unix seconds, minutes), kept with `recent_ids` (absent for
    /// those counted before it was kept, whose days a zone change then leaves alone).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_activity: Vec<(i64, u32)>,
    /// The newest time of an id forgotten to keep [`MAX_RECENT_IDS`]: an event at or before it
    /// may be a forgotten one, and is refused as too old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forgotten_through: Option<DateTime<Utc>>,
    pub first_activity: Option<DateTime<Utc>>,
    pub last_activity: Option<DateTime<Utc>>,
    pub total_activities: u64,
    pub total_minutes: u64,
    /// The run of consecutive active days that ends at the latest active day.
    pub latest_run: Option<(NaiveDate, NaiveDate)>,
    pub longest_streak: u32,
    /// The longest run in the kept window other than the latest one (for personal bests).
    pub best_before_latest_run: u32,
    /// Activity weight per local hour of the week (Monday 00h = 0), decayed to `histogram_as_of`.
    pub hour_of_week: Vec<f64>,
    pub histogram_as_of: Option<DateTime<Utc>>,
}

impl Default for BehaviourSummary {
    fn default() -> Self {
        BehaviourSummary {
            timezone: "UTC".into(),
            days: Days::default(),
            values: BTreeMap::new(),
            recent_ids: BTreeMap::new(),
            recent_activity: Vec::new(),
            forgotten_through: None,
            first_activity: None,
            last_activity: None,
            total_activities: 0,
            total_minutes: 0,
            latest_run: None,
            longest_streak: 0,
            best_before_latest_run: 0,
            hour_of_week: vec![0.0; 168],
            histogram_as_of: None,
        }
    }
}

/// What applying an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::AsRefStr, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Applied {
    /// Counted.
    Counted,
    /// Already counted (same activity id): nothing changed.
    Duplicate,
    /// Older than the de-duplication horizon: nothing changed.
    TooOld,
    /// The user was erased after the activity happened: never counted (the activity consumer's
    /// verdict, `engine::retention::survives_erasure`; `apply` never returns it).
    Erased,
}

/// The local hour of the week (Monday 00h = 0 … Sunday 23h = 167) of `t` in `tz`.
pub fn hour_of_week(t: DateTime<Utc>, tz: Tz) -> usize {
    let local = t.with_timezone(&tz);
    local.weekday().num_days_from_monday() as usize * 24 + local.hour() as usize
}

fn decay(days: f64) -> f64 {
    0.5f64.powf(days / HISTOGRAM_HALF_LIFE_DAYS)
}

impl BehaviourSummary {
    /// The zone of the summary (UTC when the stored name is unknown).
    pub fn tz(&self) -> Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// Counts `event` in zone `tz` (the user's current zone).
    pub fn apply(&mut self, event: &ActivityEvent, tz: Tz) -> Applied {
        let t = event.occurred_at;
        let horizon = self.last_activity.map_or(t, |l| l.max(t));
        if t < horizon - Duration::days(DEDUPE_DAYS) {
            return Applied::TooOld;
        }
        // Ids at or before the newest forgotten one may have been forgotten.
        if self.forgotten_through.is_some_and(|f| t <= f) {
            return Applied::TooOld;
        }
        if self.recent_ids.contains_key(&event.activity_id) {
            return Applied::Duplicate;
        }
        if self.timezone != tz.name() {
            self.rezone(tz);
        }
        self.recent_ids.insert(event.activity_id.clone(), t);
        self.recent_activity.push((t.timestamp(), event.minutes));

        let local = t.with_timezone(&tz);
        let day = local.date_naive();
        let minute = u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0);
        let totals = self.days.totals_mut(day);
        totals.first_minute = Some(totals.first_minute.map_or(minute, |f| f.min(minute)));
        totals.count += 1;
        totals.minutes = totals.minutes.saturating_add(event.minutes);

        let v = self.values.entry(event.value_id.clone()).or_default();
        if event.value_name.is_some() {
            v.name.clone_from(&event.value_name);
        }
        v.count += 1;
        v.minutes += u64::from(event.minutes);
        v.last = Some(v.last.map_or(t, |l| l.max(t)));

        self.first_activity = Some(self.first_activity.map_or(t, |f| f.min(t)));
        self.last_activity = Some(horizon);
        self.total_activities += 1;
        self.total_minutes += u64::from(event.minutes);

        // Histogram: decay everything to the newest time seen, and add this event with the
        // weight it has at that time; the result does not depend on arrival order.
        if self.hour_of_week.len() != 168 {
            self.hour_of_week = vec![0.0; 168];
        }
        let as_of = self.histogram_as_of.map_or(t, |a| a.max(t));
        if let Some(old) = self.histogram_as_of {
            let f = decay((as_of - old).num_seconds() as f64 / 86_400.0);
            if f < 1.0 {
                self.hour_of_week.iter_mut().for_each(|h| *h *= f);
            }
        }
        self.hour_of_week[hour_of_week(t, tz)] +=
            decay((as_of - t).num_seconds() as f64 / 86_400.0);
        self.histogram_as_of = Some(as_of);

        self.prune();
        self.recompute_runs();
        Applied::Counted
    }

    /// Moves the summary to zone `tz`: every local day whose activities are all still
    /// remembered (the de-duplication window, with their minutes) is counted again in the new
    /// zone, and so is their weight in the hour-of-week histogram; older days keep the zone
    /// they were counted in. Streaks are recomputed from the new days.
    pub fn rezone(&mut self, tz: Tz) {
        let old = self.tz();
        self.timezone = tz.name().to_owned();
        if old == tz {
            return;
        }
        let recent: Vec<(DateTime<Utc>, u32)> = self
            .recent_activity
            .iter()
            .filter_map(|(t, m)| DateTime::from_timestamp(*t, 0).map(|t| (t, *m)))
            .collect();
        // The old days every activity of which is remembered.
        let mut known: BTreeMap<NaiveDate, u32> = BTreeMap::new();
        for (t, _) in &recent {
            *known.entry(t.with_timezone(&old).date_naive()).or_default() += 1;
        }
        let movable: Vec<NaiveDate> = known
            .into_iter()
            .filter(|(day, n)| self.days.get(*day).is_some_and(|d| d.count == *n))
            .map(|(day, _)| day)
            .collect();
        for day in &movable {
            self.days.remove(*day);
        }
        let as_of = self.histogram_as_of;
        for (t, minutes) in recent {
            if !movable.contains(&t.with_timezone(&old).date_naive()) {
                continue;
            }
            let local = t.with_timezone(&tz);
            let minute = u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0);
            let totals = self.days.totals_mut(local.date_naive());
            totals.first_minute = Some(totals.first_minute.map_or(minute, |f| f.min(minute)));
            totals.count += 1;
            totals.minutes = totals.minutes.saturating_add(minutes);
            if let (Some(as_of), 168) = (as_of, self.hour_of_week.len()) {
                let w = decay((as_of - t).num_seconds() as f64 / 86_400.0);
                let from = &mut self.hour_of_week[hour_of_week(t, old)];
                *from = (*from - w).max(0.0);
                self.hour_of_week[hour_of_week(t, tz)] += w;
            }
        }
        self.recompute_runs();
    }

    fn prune(&mut self) {
        let Some(last) = self.last_activity else {
            return;
        };
        let tz = self.tz();
        let oldest_day = (last - Duration::days(WINDOW_DAYS))
            .with_timezone(&tz)
            .date_naive();
        self.days.keep_from(oldest_day);
        let dedupe_from = last - Duration::days(DEDUPE_DAYS);
        self.recent_ids.retain(|_, t| *t >= dedupe_from);
        if self.recent_ids.len() > MAX_RECENT_IDS {
            let mut by_time: Vec<(DateTime<Utc>, String)> = self
                .recent_ids
                .iter()
                .map(|(id, t)| (*t, id.clone()))
                .collect();
            by_time.sort_unstable();
            let excess = by_time.len() - MAX_RECENT_IDS;
            for (t, id) in by_time.into_iter().take(excess) {
                self.recent_ids.remove(&id);
                self.forgotten_through = Some(self.forgotten_through.map_or(t, |f| f.max(t)));
            }
        }
        let forgotten = self.forgotten_through.map_or(i64::MIN, |f| f.timestamp());
        self.recent_activity
            .retain(|(t, _)| *t >= dedupe_from.timestamp() && *t > forgotten);
        while self.values.len() > MAX_VALUES {
            let Some(stalest) = self
                .values
                .iter()
                .min_by_key(|(_, v)| v.last)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            self.values.remove(&stalest);
        }
    }

    fn recompute_runs(&mut self) {
        let mut longest = 0u32;
        let mut before_latest = 0u32;
        let mut run: Option<(NaiveDate, NaiveDate)> = None;
        for day in self.days.dates() {
            run = match run {
                Some((start, end)) if end.succ_opt() == Some(day) => Some((start, day)),
                Some((start, end)) => {
                    before_latest = before_latest.max(run_len(start, end));
                    Some((day, day))
                }
                None => Some((day, day)),
            };
            if let Some((s, e)) = run {
                longest = longest.max(run_len(s, e));
            }
        }
        self.latest_run = run;
        self.best_before_latest_run = before_latest;
        self.longest_streak = self.longest_streak.max(longest);
    }

    /// The current streak on local date `today`: the latest run if it ends today or yesterday
    /// (today is still open), else 0.
    pub fn current_streak(&self, today: NaiveDate) -> u32 {
        match self.latest_run {
            Some((s, e)) if e == today || e.succ_opt() == Some(today) => run_len(s, e),
            _ => 0,
        }
    }

    /// Active local days in the `n` days ending on `today` (inclusive).
    pub fn active_days_in(&self, today: NaiveDate, n: i64) -> u32 {
        let from = today - Duration::days(n - 1);
        self.days.between(from, today).len() as u32
    }

    /// Active days and minutes in the 7, 14 and 30 days ending on `today` (inclusive), and
    /// activities in the 30: one pass over the last 30 days.
    pub fn windows(&self, today: NaiveDate) -> Windows {
        let mut w = Windows::default();
        let t = today.num_days_from_ce();
        for (d, day) in self.days.between(today - Duration::days(29), today) {
            let age = t - d.num_days_from_ce();
            for (k, n) in RECENT_WINDOWS.iter().enumerate() {
                if age < *n {
                    w.active[k] += 1;
                    w.minutes[k] += u64::from(day.minutes);
                }
            }
            w.activities_30 += u64::from(day.count);
        }
        w
    }

    /// Number of local days with activity in the kept window.
    pub fn active_days(&self) -> u32 {
        self.days.len() as u32
    }

    /// Activity weight per local hour of day (0–23), summed over the week.
    pub fn hour_of_day_profile(&self) -> [f64; 24] {
        let mut out = [0.0; 24];
        for (i, w) in self.hour_of_week.iter().enumerate() {
            out[i % 24] += w;
        }
        out
    }
}

/// The lengths of the recent windows of [`Windows`], in days.
pub const RECENT_WINDOWS: [i32; 3] = [7, 14, 30];

/// Activity in the last 7, 14 and 30 days ([`BehaviourSummary::windows`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Windows {
    /// Active days, per window of [`RECENT_WINDOWS`].
    pub active: [u32; 3],
    /// Minutes logged, per window.
    pub minutes: [u64; 3],
    /// Activities logged in the 30 days.
    pub activities_30: u64,
}

fn run_len(start: NaiveDate, end: NaiveDate) -> u32 {
    u32::try_from((end - start).num_days() + 1).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn ev(id: &str, t: DateTime<Utc>) -> ActivityEvent {
        ActivityEvent {
            activity_id: id.into(),
            user_id: "u".into(),
            value_id: "health".into(),
            value_name: None,
            minutes: 20,
            occurred_at: t,
        }
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid")
    }

    proptest! {
        /// One pass gives what counting each window alone gives.
        #[test]
        fn windows_count_each_window(days in proptest::collection::btree_map(0i64..45, (1u32..200, 1u32..5), 0..40)) {
            let today = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
            let mut s = BehaviourSummary::default();
            for (ago, (minutes, count)) in &days {
                let d = today - Duration::days(*ago);
                s.days.insert(d, DayTotals { minutes: *minutes, count: *count, ..DayTotals::default() });
            }
            let w = s.windows(today);
            for (k, n) in RECENT_WINDOWS.iter().enumerate() {
                let inside: Vec<_> = days.iter().filter(|(ago, _)| **ago < i64::from(*n)).collect();
                prop_assert_eq!(w.active[k], inside.len() as u32);
                prop_assert_eq!(w.minutes[k], inside.iter().map(|(_, (m, _))| u64::from(*m)).sum::<u64>());
                prop_assert_eq!(w.active[k], s.active_days_in(today, i64::from(*n)));
            }
            let sessions: u64 = days.iter().filter(|(ago, _)| **ago < 30).map(|(_, (_, c))| u64::from(*c)).sum();
            prop_assert_eq!(w.activities_30, sessions);
        }
    }

    #[test]
    fn no_stream_of_events_grows_the_summary_past_its_caps() {
        let mut s = BehaviourSummary::default();
        let start = utc(2026, 3, 1, 0, 0);
        for i in 0..5_000i64 {
            let mut e = ev(&format!("{i:0>128}"), start + Duration::minutes(i));
            e.value_id = format!("{:0>128}", i % 200);
            e.value_name = Some("n".repeat(128));
            assert_eq!(s.apply(&e, chrono_tz::UTC), Applied::Counted);
        }
        assert_eq!(s.recent_ids.len(), MAX_RECENT_IDS);
        assert_eq!(s.values.len(), MAX_VALUES);
        let stored = serde_json::to_string(&s).unwrap_or_default().len();
        assert!(stored < 300_000, "{stored} bytes");
        // An event at or before the newest forgotten id may be a forgotten one: refused, not
        // counted twice; ties at the same instant included.
        assert_eq!(s.apply(&ev("0", start), chrono_tz::UTC), Applied::TooOld);
        let mut tied = BehaviourSummary::default();
        for i in 0..=MAX_RECENT_IDS {
            tied.apply(&ev(&format!("t{i:05}"), start), chrono_tz::UTC);
        }
        assert_eq!(tied.recent_ids.len(), MAX_RECENT_IDS);
        for i in 0..=MAX_RECENT_IDS {
            let again = tied.apply(&ev(&format!("t{i:05}"), start), chrono_tz::UTC);
            assert_ne!(again, Applied::Counted, "t{i:05} counted twice");
        }
        assert_eq!(s.total_activities, 5_000);
    }

    #[test]
    fn duplicates_change_nothing() {
        let mut s = BehaviourSummary::default();
        assert_eq!(
            s.apply(&ev("a", utc(2026, 3, 1, 9, 0)), chrono_tz::UTC),
            Applied::Counted
        );
        let before = s.clone();
        assert_eq!(
            s.apply(&ev("a", utc(2026, 3, 1, 9, 0)), chrono_tz::UTC),
            Applied::Duplicate
        );
        assert_eq!(s, before);
    }

    #[test]
    fn streaks_count_local_days() {
        let tz: Tz = "America/Los_Angeles".parse().expect("tz");
        let mut s = BehaviourSummary::default();
        // 06:30 UTC on the 2nd is 22:30 on the 1st in Los Angeles.
        s.apply(&ev("a", utc(2026, 6, 2, 6, 30)), tz);
        s.apply(&ev("b", utc(2026, 6, 2, 16, 0)), tz);
        s.apply(&ev("c", utc(2026, 6, 3, 16, 0)), tz);
        let d = |day| NaiveDate::from_ymd_opt(2026, 6, day).expect("date");
        assert_eq!(s.days.dates().collect::<Vec<_>>(), [d(1), d(2), d(3)]);
        assert_eq!(s.current_streak(d(3)), 3);
        assert_eq!(s.current_streak(d(4)), 3, "today is still open");
        assert_eq!(s.current_streak(d(5)), 0, "a day was missed");
        assert_eq!(s.longest_streak, 3);
    }

    /// A user logging at 19:00 in New York flies to Tokyo (14 hours ahead) and sets the zone:
    /// the remembered days are counted again in Tokyo, where each of those evenings was the
    /// next morning, so the streak is as long and as current, and the usual hour moves.
    #[test]
    fn a_zone_change_recounts_the_remembered_days() {
        let ny: Tz = "America/New_York".parse().expect("tz");
        let tokyo: Tz = "Asia/Tokyo".parse().expect("tz");
        let mut s = BehaviourSummary::default();
        for day in 1..=10 {
            let local = ny
                .with_ymd_and_hms(2026, 11, day, 19, 0, 0)
                .single()
                .expect("exists");
            s.apply(&ev(&format!("ny{day}"), local.with_timezone(&Utc)), ny);
        }
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).expect("date");
        assert_eq!(s.current_streak(d(10)), 10);
        let usual = |s: &BehaviourSummary| {
            let p = s.hour_of_day_profile();
            (0..24).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap_or(0)
        };
        assert_eq!(usual(&s), 19);
        // The next activity, logged in Tokyo on the 12th at 09:00 local.
        let next = tokyo
            .with_ymd_and_hms(2026, 11, 12, 9, 0, 0)
            .single()
            .expect("exists");
        assert_eq!(
            s.apply(&ev("tokyo", next.with_timezone(&Utc)), tokyo),
            Applied::Counted
        );
        assert_eq!(s.timezone, "Asia/Tokyo");
        // 19:00 New York on the 1st…10th is 09:00 Tokyo on the 2nd…11th.
        assert_eq!(
            s.days.dates().collect::<Vec<_>>(),
            (2..=12).map(d).collect::<Vec<_>>()
        );
        assert_eq!(
            s.current_streak(d(12)),
            11,
            "the streak survived the flight"
        );
        assert_eq!(s.days.iter().map(|(_, t)| t.count).sum::<u32>(), 11);
        assert_eq!(s.days.get(d(2)).and_then(|t| t.first_minute), Some(9 * 60));
        assert_eq!(usual(&s), 9);
        // Back to New York: the same days again.
        s.rezone(ny);
        assert_eq!(s.days.first(), Some(d(1)));
        assert_eq!(s.current_streak(d(11)), 11);
    }

    #[test]
    fn a_zone_change_leaves_days_it_cannot_recount() {
        let tz: Tz = "Asia/Tokyo".parse().expect("tz");
        let mut s = BehaviourSummary::default();
        s.apply(&ev("a", utc(2026, 11, 1, 12, 0)), chrono_tz::UTC);
        s.apply(&ev("b", utc(2026, 11, 2, 12, 0)), chrono_tz::UTC);
        // Counted before the activity times were kept: that day stays where it was.
        s.recent_activity
            .retain(|(t, _)| *t != utc(2026, 11, 1, 12, 0).timestamp());
        s.rezone(tz);
        let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).expect("date");
        assert_eq!(s.days.dates().collect::<Vec<_>>(), [d(1), d(2)]);
        assert_eq!(
            s.days.get(d(1)).and_then(|t| t.first_minute),
            Some(12 * 60),
            "untouched"
        );
        assert_eq!(
            s.days.get(d(2)).and_then(|t| t.first_minute),
            Some(21 * 60),
            "recounted"
        );
    }

    #[test]
    fn streak_across_spring_forward_and_fall_back() {
        let tz: Tz = "Europe/Madrid".parse().expect("tz");
        let mut s = BehaviourSummary::default();
        // 23:30 local each evening around 29 March 2026 (the 23-hour day) and 25 October 2026
        // (the 25-hour day): every evening is its own local date.
        for (i, day) in (27..=31).enumerate() {
            let local = tz
                .with_ymd_and_hms(2026, 3, day, 23, 30, 0)
                .single()
                .expect("exists");
            s.apply(&ev(&format!("m{i}"), local.with_timezone(&Utc)), tz);
        }
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        assert_eq!(s.current_streak(d(3, 31)), 5);
        let mut s = BehaviourSummary::default();
        for (i, day) in (23..=27).enumerate() {
            let local = tz
                .with_ymd_and_hms(2026, 10, day, 0, 30, 0)
                .single()
                .expect("exists");
            s.apply(&ev(&format!("o{i}"), local.with_timezone(&Utc)), tz);
        }
        assert_eq!(s.current_streak(d(10, 27)), 5);
        assert_eq!(s.days.len(), 5);
    }

    #[test]
    fn a_late_event_fills_the_gap() {
        let mut s = BehaviourSummary::default();
        s.apply(&ev("a", utc(2026, 1, 1, 9, 0)), chrono_tz::UTC);
        s.apply(&ev("c", utc(2026, 1, 3, 9, 0)), chrono_tz::UTC);
        let d = |day| NaiveDate::from_ymd_opt(2026, 1, day).expect("date");
        assert_eq!(s.current_streak(d(3)), 1);
        s.apply(&ev("b", utc(2026, 1, 2, 9, 0)), chrono_tz::UTC);
        assert_eq!(s.current_streak(d(3)), 3);
        assert_eq!(s.longest_streak, 3);
    }

    #[test]
    fn old_events_are_refused() {
        let mut s = BehaviourSummary::default();
        s.apply(&ev("new", utc(2026, 12, 1, 9, 0)), chrono_tz::UTC);
        assert_eq!(
            s.apply(&ev("old", utc(2025, 1, 1, 9, 0)), chrono_tz::UTC),
            Applied::TooOld
        );
    }

    #[test]
    fn days_are_stored_as_the_map_they_replaced() {
        let day = |n: u32| NaiveDate::from_ymd_opt(2026, 3, n).expect("date");
        let totals = |count| DayTotals {
            count,
            minutes: 10,
            first_minute: Some(600),
        };
        let mut days = Days::default();
        let mut map = BTreeMap::new();
        for n in [9, 2, 5] {
            days.insert(day(n), totals(n));
            map.insert(day(n), totals(n));
        }
        let json = serde_json::to_value(&days).expect("json");
        assert_eq!(json, serde_json::to_value(&map).expect("json"));
        assert_eq!(json["2026-03-02"]["count"], 2);
        let item: std::collections::HashMap<String, serde_dynamo::AttributeValue> =
            serde_dynamo::to_item(&days).expect("item");
        let from_map: std::collections::HashMap<String, serde_dynamo::AttributeValue> =
            serde_dynamo::to_item(&map).expect("item");
        assert_eq!(item, from_map);
        let back: Days = serde_dynamo::from_item(from_map).expect("read back");
        assert_eq!(back, days);
        assert_eq!(back.dates().collect::<Vec<_>>(), [day(2), day(5), day(9)]);
    }

    proptest! {
        /// `Days` answers every question as the sorted map it replaced does, after any mix of
        /// inserts, updates, removals and pruning.
        #[test]
        fn days_behave_as_a_sorted_map(
            ops in prop::collection::vec((0u8..4, 0i64..60, 1u32..9), 0..80),
            probes in prop::collection::vec((0i64..70, 0i64..70), 1..10),
        ) {
            let base = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
            let at = |n: i64| base + Duration::days(n);
            let mut days = Days::default();
            let mut map: BTreeMap<NaiveDate, DayTotals> = BTreeMap::new();
            for (op, n, count) in ops {
                match op {
                    0 => {
                        days.totals_mut(at(n)).count += count;
                        map.entry(at(n)).or_default().count += count;
                    }
                    1 => {
                        let t = DayTotals { count, ..DayTotals::default() };
                        days.insert(at(n), t);
                        map.insert(at(n), t);
                    }
                    2 => {
                        days.remove(at(n));
                        map.remove(&at(n));
                    }
                    _ => {
                        days.keep_from(at(n / 4));
                        map = map.split_off(&at(n / 4));
                    }
                }
            }
            prop_assert_eq!(days.len(), map.len());
            prop_assert_eq!(days.first(), map.keys().next().copied());
            let listed: Vec<(NaiveDate, DayTotals)> = days.iter().map(|(d, t)| (d, *t)).collect();
            let expected: Vec<(NaiveDate, DayTotals)> = map.iter().map(|(d, t)| (*d, *t)).collect();
            prop_assert_eq!(listed, expected);
            for (a, b) in probes {
                let (from, to) = (at(a.min(b)), at(a.max(b)));
                let expected: Vec<(NaiveDate, DayTotals)> =
                    map.range(from..=to).map(|(d, t)| (*d, *t)).collect();
                prop_assert_eq!(days.between(from, to), expected.as_slice());
                prop_assert_eq!(days.last_on_or_before(to), map.range(..=to).next_back().map(|(d, _)| *d));
                prop_assert_eq!(days.get(from), map.get(&from));
                prop_assert_eq!(days.contains(from), map.contains_key(&from));
            }
        }
    }

    proptest! {
        /// Any arrival order (with duplicates) gives the same days, streaks and totals, and a
        /// histogram equal up to rounding.
        #[test]
        fn order_does_not_matter(
            offsets in prop::collection::vec(0i64..(DEDUPE_DAYS * 24 * 60), 1..40),
            shuffle_seed in any::<u64>(),
        ) {
            let base = utc(2026, 2, 1, 0, 0);
            let tz: Tz = "America/New_York".parse().expect("tz");
            let events: Vec<ActivityEvent> = offsets
                .iter()
                .enumerate()
                .map(|(i, m)| ev(&format!("e{i}"), base + Duration::minutes(*m)))
                .collect();
            let mut in_order = BehaviourSummary::default();
            for e in &events {
                in_order.apply(e, tz);
            }
            let mut shuffled = events.clone();
            let mut x = shuffle_seed | 1;
            for i in (1..shuffled.len()).rev() {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                shuffled.swap(i, (x % (i as u64 + 1)) as usize);
            }
            shuffled.extend(events.iter().take(3).cloned());
            let mut other = BehaviourSummary::default();
            for e in &shuffled {
                other.apply(e, tz);
            }
            prop_assert_eq!(&in_order.days, &other.days);
            prop_assert_eq!(in_order.latest_run, other.latest_run);
            prop_assert_eq!(in_order.longest_streak, other.longest_streak);
            prop_assert_eq!(in_order.total_activities, other.total_activities);
            prop_assert_eq!(in_order.total_activities, events.len() as u64);
            for (a, b) in in_order.hour_of_week.iter().zip(&other.hour_of_week) {
                prop_assert!((a - b).abs() < 1e-9);
            }
        }

        /// The current streak is exactly the number of consecutive local days ending today or
        /// yesterday.
        #[test]
        fn streak_matches_a_direct_count(active in prop::collection::vec(any::<bool>(), 1..60)) {
            let tz = chrono_tz::UTC;
            let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
            let mut s = BehaviourSummary::default();
            for (i, on) in active.iter().enumerate() {
                if *on {
                    let t = utc(2026, 1, 1, 12, 0) + Duration::days(i as i64);
                    s.apply(&ev(&format!("d{i}"), t), tz);
                }
            }
            let today = start + Duration::days(active.len() as i64 - 1);
            let mut expected = 0;
            let mut i = active.len();
            if !active[i - 1] { i -= 1; }
            while i > 0 && active[i - 1] { expected += 1; i -= 1; }
            prop_assert_eq!(s.current_streak(today), expected);
        }
    }
}
