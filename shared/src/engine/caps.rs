//! Frequency caps: how many messages a user gets per local day and per rolling week, and the
//! least spacing between two.
//!
//! | frequency | per local day | per rolling 7 days |
//! |---|---|---|
//! | minimal | 1 | 3 |
//! | optimal | 2 | 7 |
//! | frequent | 3 | 14 |
//! | daily | 1 | 7 |
//!
//! Two messages are at least [`MIN_GAP_HOURS`] apart. Scheduled, sent, read, acted and
//! dismissed messages count; failed and expired ones do not.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::domain::preferences::MessageFrequency;

/// Least time between two messages to one user.
pub const MIN_GAP_HOURS: i64 = 3;

/// The caps of one frequency level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub per_day: usize,
    pub per_week: usize,
}

/// The caps of a frequency level.
pub fn caps(f: MessageFrequency) -> Caps {
    match f {
        MessageFrequency::Minimal => Caps {
            per_day: 1,
            per_week: 3,
        },
        MessageFrequency::Optimal => Caps {
            per_day: 2,
            per_week: 7,
        },
        MessageFrequency::Frequent => Caps {
            per_day: 3,
            per_week: 14,
        },
        MessageFrequency::Daily => Caps {
            per_day: 1,
            per_week: 7,
        },
    }
}

/// Local day number (days since 0001-01-01) of a UTC instant in `tz`.
pub fn local_day(t: DateTime<Utc>, tz: Tz) -> i32 {
    // One zone lookup and a division (no local date-time built).
    use super::timing::{utc_offset, UNIX_EPOCH_DAY_FROM_CE};
    i32::try_from((t.timestamp() + utc_offset(tz, t)).div_euclid(86_400) + UNIX_EPOCH_DAY_FROM_CE)
        .unwrap_or_else(|_| t.with_timezone(&tz).date_naive().num_days_from_ce())
}

/// The messages that count against the caps, kept as sorted unix seconds with their local day
/// numbers, so checking a candidate is integer work.
#[derive(Debug, Clone, Default)]
pub struct Counted {
    times: Vec<i64>,
    days: Vec<i32>,
}

impl Counted {
    /// The counted messages at `times`, days taken in `tz`.
    pub fn new(times: impl IntoIterator<Item = DateTime<Utc>>, tz: Tz) -> Self {
        let mut pairs: Vec<(i64, i32)> = times
            .into_iter()
            .map(|t| (t.timestamp(), local_day(t, tz)))
            .collect();
        pairs.sort_unstable();
        // Room for the messages a plan adds (a few) without growing.
        let mut times = Vec::with_capacity(pairs.len() + 4);
        let mut days = Vec::with_capacity(pairs.len() + 4);
        for (t, d) in pairs {
            times.push(t);
            days.push(d);
        }
        Counted { times, days }
    }

    /// Counts one more message at unix second `t` on local day `day`.
    pub fn add(&mut self, t: i64, day: i32) {
        let at = self.times.partition_point(|x| *x < t);
        self.times.insert(at, t);
        self.days.insert(at, day);
    }

    /// How many counted messages lie in (`from`, `to`] (unix seconds).
    pub fn count_within(&self, from: i64, to: i64) -> usize {
        let a = self.times.partition_point(|x| *x <= from);
        let b = self.times.partition_point(|x| *x <= to);
        b.saturating_sub(a)
    }

    /// The counted messages strictly between `from` and `to` (unix seconds).
    pub fn times_between(&self, from: i64, to: i64) -> &[i64] {
        let a = self.times.partition_point(|x| *x <= from);
        let b = self.times.partition_point(|x| *x < to).max(a);
        &self.times[a..b]
    }

    /// Whether local day `day` has room for one more message under the daily cap.
    pub fn day_has_room(&self, day: i32, c: Caps) -> bool {
        self.days.iter().filter(|d| **d == day).count() < c.per_day
    }

    /// Whether one more message at unix second `t` keeps the least spacing from every counted
    /// one.
    pub fn spaced(&self, t: i64) -> bool {
        let gap = MIN_GAP_HOURS * 3600;
        let near = self.times.partition_point(|x| *x <= t - gap);
        self.times.get(near).is_none_or(|x| *x >= t + gap)
    }

    /// Whether one more message at unix second `t`, local day `day`, keeps every cap.
    pub fn fits(&self, t: i64, day: i32, c: Caps) -> bool {
        self.misfit(t, day, c).is_none()
    }

    /// The first cap one more message at unix second `t`, local day `day`, would break:
    /// spacing, then the day's cap, then the rolling week's; `None` when it keeps them all.
    pub fn misfit(&self, t: i64, day: i32, c: Caps) -> Option<Misfit> {
        if !self.spaced(t) {
            return Some(Misfit::Spacing);
        }
        if !self.day_has_room(day, c) {
            return Some(Misfit::DailyCap);
        }
        self.week_full(t, c).then_some(Misfit::WeeklyCap)
    }

    /// Whether one more message at unix second `t` would break the rolling week's cap: some
    /// 7 days holding `t` already hold the cap.
    pub fn week_full(&self, t: i64, c: Caps) -> bool {
        // Every 7-day window holding t: it suffices to check windows starting at t or at an
        // earlier message within 7 days; none can be full when the two weeks around t hold
        // fewer than the cap.
        let week = 7 * 86_400;
        if self.count_within(t - week, t + week - 1) < c.per_week {
            return false;
        }
        // The windows start at each message in (t - week, t], then at t itself, in time
        // order: a window's first and end indexes only move forward, so one pass finds every
        // count (a window [s, s + week) holds the messages from the first at or after s to
        // the last before s + week).
        let first = self.times.partition_point(|x| *x <= t - week);
        let last = self.times.partition_point(|x| *x <= t);
        let mut from = first;
        let mut to = first;
        for s in self.times[first..last]
            .iter()
            .copied()
            .chain(std::iter::once(t))
        {
            while self.times.get(from).is_some_and(|x| *x < s) {
                from += 1;
            }
            to = to.max(from);
            while self.times.get(to).is_some_and(|x| *x < s + week) {
                to += 1;
            }
            if to - from + 1 > c.per_week {
                return true;
            }
        }
        false
    }
}

/// Answers [`Counted::week_full`] for times asked in increasing order, in one pass: each
/// message's own window count is worked out once, and the indexes of the windows around the
/// asked time only move forward.
#[derive(Debug)]
pub struct WeekSweep<'a> {
    times: &'a [i64],
    per_week: usize,
    /// For each message, how many messages the 7 days from it hold.
    from_each: Vec<usize>,
    /// The first message after `t - week`, after `t`, at or after `t`, at or after
    /// `t + week`, for the last `t` asked.
    lo: usize,
    hi: usize,
    at: usize,
    end: usize,
    /// The last time asked (the times must not go back).
    last: i64,
}

impl Counted {
    /// A sweep answering [`Counted::week_full`] for increasing times.
    pub fn week_sweep(&self, c: Caps) -> WeekSweep<'_> {
        let times = &self.times[..];
        let week = 7 * 86_400;
        let mut from_each = Vec::with_capacity(times.len());
        // A window [x, x + week) holds the messages from x to the last before x + week. (Of
        // equal times the first gets the whole count, the later ones less: a window of times
        // holds all or none of them, so asking any of them is asking the first.)
        let mut to = 0;
        for (j, x) in times.iter().enumerate() {
            while times.get(to).is_some_and(|y| *y < x + week) {
                to += 1;
            }
            from_each.push(to - j);
        }
        WeekSweep {
            times,
            per_week: c.per_week,
            from_each,
            lo: 0,
            hi: 0,
            at: 0,
            end: 0,
            last: i64::MIN,
        }
    }
}

impl WeekSweep<'_> {
    /// [`Counted::week_full`] at `t`, which is not before any time asked before.
    pub fn full(&mut self, t: i64) -> bool {
        debug_assert!(t >= self.last, "a week sweep asked {t} after {}", self.last);
        self.last = t;
        let week = 7 * 86_400;
        let times = self.times;
        while times.get(self.lo).is_some_and(|x| *x <= t - week) {
            self.lo += 1;
        }
        while times.get(self.hi).is_some_and(|x| *x <= t) {
            self.hi += 1;
        }
        while times.get(self.at).is_some_and(|x| *x < t) {
            self.at += 1;
        }
        self.end = self.end.max(self.at);
        while times.get(self.end).is_some_and(|x| *x < t + week) {
            self.end += 1;
        }
        // The window from t itself, then those from each message in (t - week, t]; each holds
        // t too, so one more than its messages.
        self.end - self.at + 1 > self.per_week
            || self.from_each[self.lo..self.hi.max(self.lo)]
                .iter()
                .any(|n| n + 1 > self.per_week)
    }
}

/// The cap a candidate send time breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Misfit {
    /// Within [`MIN_GAP_HOURS`] of another message.
    Spacing,
    /// Its local day already has the day's cap.
    DailyCap,
    /// A rolling 7 days holding it already has the week's cap.
    WeeklyCap,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    /// [`Counted::misfit`] by its definition: every window of 7 days that holds `t` and
    /// starts at `t` or at a message before it, counted with two searches each.
    fn plain_misfit(c: &Counted, t: i64, day: i32, caps: Caps) -> Option<Misfit> {
        if !c.spaced(t) {
            return Some(Misfit::Spacing);
        }
        if !c.day_has_room(day, caps) {
            return Some(Misfit::DailyCap);
        }
        let week = 7 * 86_400;
        let starts = c.times.iter().copied().filter(|x| *x > t - week && *x <= t);
        for s in starts.chain(std::iter::once(t)) {
            let from = c.times.partition_point(|x| *x < s);
            let to = c.times.partition_point(|x| *x < s + week);
            if to - from + 1 > caps.per_week {
                return Some(Misfit::WeeklyCap);
            }
        }
        None
    }

    proptest::proptest! {
        /// The one-pass week check says what the definition says, equal times included.
        #[test]
        fn misfit_is_the_plain_definition(
            sent in proptest::collection::vec(0i64..40, 0..24),
            t in 0i64..40,
            per_day in 1usize..4,
            per_week in 1usize..10,
        ) {
            // Times on a 6-hour grid over ten days, so equal times and full weeks are common.
            let at = |k: i64| DateTime::from_timestamp(1_800_000_000 + k * 6 * 3_600, 0).expect("time");
            let c = Counted::new(sent.iter().map(|k| at(*k)), chrono_tz::UTC);
            let caps = Caps { per_day, per_week };
            let t = at(t);
            let day = local_day(t, chrono_tz::UTC);
            proptest::prop_assert_eq!(
                c.misfit(t.timestamp(), day, caps),
                plain_misfit(&c, t.timestamp(), day, caps)
            );
        }

        /// The sweep answers what `week_full` answers, at each of increasing times.
        #[test]
        fn the_week_sweep_is_week_full(
            sent in proptest::collection::vec(0i64..40, 0..24),
            asked in proptest::collection::vec(0i64..40, 0..12),
            per_week in 1usize..10,
        ) {
            let at = |k: i64| 1_800_000_000 + k * 6 * 3_600;
            let c = Counted::new(
                sent.iter().filter_map(|k| DateTime::from_timestamp(at(*k), 0)),
                chrono_tz::UTC,
            );
            let caps = Caps { per_day: 9, per_week };
            let mut asked: Vec<i64> = asked.iter().map(|k| at(*k)).collect();
            asked.sort_unstable();
            let mut sweep = c.week_sweep(caps);
            for t in asked {
                proptest::prop_assert_eq!(sweep.full(t), c.week_full(t, caps), "at {}", t);
            }
        }

        /// The day and minute worked out from the offset are the local date-time's.
        #[test]
        fn local_day_and_minute_are_the_local_clocks(zone in 0usize..6, t in -5_000_000_000i64..8_000_000_000) {
            let tz: Tz = ["UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Asia/Kathmandu"][zone]
                .parse()
                .expect("tz");
            let at = DateTime::from_timestamp(t, 0).expect("in range");
            let local = at.with_timezone(&tz);
            proptest::prop_assert_eq!(local_day(at, tz), local.date_naive().num_days_from_ce());
            proptest::prop_assert_eq!(
                crate::engine::timing::local_minute(tz, at),
                local.hour() * 60 + local.minute()
            );
        }
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, day, hour, 0, 0)
            .single()
            .expect("t")
    }

    fn fits(counted: &[DateTime<Utc>], t: DateTime<Utc>, tz: Tz, c: Caps) -> bool {
        Counted::new(counted.iter().copied(), tz).fits(t.timestamp(), local_day(t, tz), c)
    }

    #[test]
    fn daily_weekly_and_gap() {
        let tz = chrono_tz::UTC;
        let c = caps(MessageFrequency::Optimal);
        assert!(fits(&[], at(1, 9), tz, c));
        assert!(!fits(&[at(1, 9)], at(1, 11), tz, c), "gap");
        assert!(fits(&[at(1, 9)], at(1, 13), tz, c));
        assert!(!fits(&[at(1, 9), at(1, 13)], at(1, 18), tz, c), "two a day");
        let week: Vec<_> = (1..=7).map(|d| at(d, 9)).collect();
        assert!(!fits(&week, at(7, 18), tz, c), "seven a week");
        assert!(fits(&week, at(8, 18), tz, c), "the window moved on");
        assert!(!fits(
            &week[1..],
            at(1, 1),
            tz,
            caps(MessageFrequency::Minimal)
        ));
    }
}
