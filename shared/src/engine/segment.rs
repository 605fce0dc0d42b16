//! User segments, from the last 30 local days. The rules, first match wins:
//!
//! | segment | rule |
//! |---|---|
//! | Getting Started | fewer than 7 active days in all |
//! | Habit Master | 30-day consistency ≥ 80 % and longest streak ≥ 21 days |
//! | Quality Focused | average session ≥ 30 min and 30-day consistency ≥ 40 % |
//! | Consistency Builder | 30-day consistency ≥ 60 % |
//! | Streak Enthusiast | longest streak ≥ 7 days (streaks, but not steady) |
//! | Getting Started | everyone else (still building foundations) |
//!
//! 30-day consistency is active days over the days since the first activity, at most 30.

use crate::domain::user::Segment;

/// The figures segmentation reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentInputs {
    pub total_active_days: u32,
    /// In [0, 1].
    pub consistency_30d: f64,
    pub longest_streak: u32,
    pub avg_session_minutes: f64,
}

/// The segment of a user.
pub fn segment(i: &SegmentInputs) -> Segment {
    if i.total_active_days < 7 {
        Segment::GettingStarted
    } else if i.consistency_30d >= 0.8 && i.longest_streak >= 21 {
        Segment::HabitMaster
    } else if i.avg_session_minutes >= 30.0 && i.consistency_30d >= 0.4 {
        Segment::QualityFocused
    } else if i.consistency_30d >= 0.6 {
        Segment::ConsistencyBuilder
    } else if i.longest_streak >= 7 {
        Segment::StreakEnthusiast
    } else {
        Segment::GettingStarted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(days: u32, c: f64, longest: u32, minutes: f64) -> SegmentInputs {
        SegmentInputs {
            total_active_days: days,
            consistency_30d: c,
            longest_streak: longest,
            avg_session_minutes: minutes,
        }
    }

    #[test]
    fn thresholds() {
        assert_eq!(segment(&inputs(6, 1.0, 6, 60.0)), Segment::GettingStarted);
        assert_eq!(segment(&inputs(40, 0.8, 21, 10.0)), Segment::HabitMaster);
        assert_eq!(
            segment(&inputs(40, 0.79, 21, 10.0)),
            Segment::ConsistencyBuilder
        );
        assert_eq!(
            segment(&inputs(40, 0.8, 20, 10.0)),
            Segment::ConsistencyBuilder
        );
        assert_eq!(segment(&inputs(40, 0.4, 3, 30.0)), Segment::QualityFocused);
        assert_eq!(segment(&inputs(40, 0.39, 3, 30.0)), Segment::GettingStarted);
        assert_eq!(
            segment(&inputs(40, 0.3, 7, 10.0)),
            Segment::StreakEnthusiast
        );
        assert_eq!(
            segment(&inputs(40, 0.6, 2, 10.0)),
            Segment::ConsistencyBuilder
        );
    }
}
