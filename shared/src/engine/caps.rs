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

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::preferences::MessageFrequency;

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

/// Whether one more message at `t` keeps every cap, given the times already counted.
pub fn fits(counted: &[DateTime<Utc>], t: DateTime<Utc>, tz: Tz, c: Caps) -> bool {
    let gap = Duration::hours(MIN_GAP_HOURS);
    if counted.iter().any(|x| (*x - t).abs() < gap) {
        return false;
    }
    let day = t.with_timezone(&tz).date_naive();
    if counted
        .iter()
        .filter(|x| x.with_timezone(&tz).date_naive() == day)
        .count()
        >= c.per_day
    {
        return false;
    }
    // Every 7-day window holding t: it suffices to check windows starting at t or at an
    // earlier message within 7 days.
    let week = Duration::days(7);
    let starts = counted
        .iter()
        .copied()
        .filter(|x| *x <= t && t - *x < week)
        .chain(std::iter::once(t));
    for s in starts {
        let n = counted
            .iter()
            .filter(|x| **x >= s && **x < s + week)
            .count();
        if n + 1 > c.per_week {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, day, hour, 0, 0)
            .single()
            .expect("t")
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
