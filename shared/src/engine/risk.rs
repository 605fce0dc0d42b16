//! Streak risk: how likely the user is to lose a running streak today.
//!
//! Only a user with a streak (≥ 1 day) who has not been active yet today is at risk. Points:
//!
//! | figure | points |
//! |---|---|
//! | now is past the user's usual activity hour by > 1 h / > 4 h | 1 / 2 |
//! | hours left in the local day ≤ 6 / ≤ 3 | 1 / 2 |
//! | active on fewer than 4 of the last 7 days | 1 |
//! | streak ≥ 7 days (more to lose) | 1 |
//!
//! 0–1 points: low, 2–3: medium, 4 or more: high.

use serde::{Deserialize, Serialize};

/// The three levels of streak risk.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

/// The figures streak risk reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskInputs {
    pub current_streak: u32,
    pub active_today: bool,
    /// Local time of day now, in hours (0.0–24.0).
    pub local_hour: f64,
    /// The user's usual local activity hour (0–23), if known.
    pub usual_hour: Option<u32>,
    pub active_days_last_7: u32,
}

/// The risk level and its points, or `None` when nothing is at risk.
pub fn streak_risk(i: &RiskInputs) -> Option<(RiskLevel, u32)> {
    if i.current_streak == 0 || i.active_today {
        return None;
    }
    let mut points = 0;
    if let Some(usual) = i.usual_hour {
        let late = i.local_hour - (f64::from(usual) + 0.5);
        points += if late > 4.0 {
            2
        } else if late > 1.0 {
            1
        } else {
            0
        };
    }
    let left = 24.0 - i.local_hour;
    points += if left <= 3.0 {
        2
    } else if left <= 6.0 {
        1
    } else {
        0
    };
    if i.active_days_last_7 < 4 {
        points += 1;
    }
    if i.current_streak >= 7 {
        points += 1;
    }
    let level = match points {
        0..=1 => RiskLevel::Low,
        2..=3 => RiskLevel::Medium,
        _ => RiskLevel::High,
    };
    Some((level, points))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: f64, streak: u32, usual: Option<u32>, week: u32) -> Option<RiskLevel> {
        streak_risk(&RiskInputs {
            current_streak: streak,
            active_today: false,
            local_hour: hour,
            usual_hour: usual,
            active_days_last_7: week,
        })
        .map(|(l, _)| l)
    }

    #[test]
    fn levels() {
        assert_eq!(at(9.0, 5, Some(8), 7), Some(RiskLevel::Low));
        assert_eq!(at(13.0, 5, Some(8), 7), Some(RiskLevel::Medium));
        assert_eq!(at(22.0, 10, Some(8), 7), Some(RiskLevel::High));
        assert_eq!(at(19.0, 3, None, 3), Some(RiskLevel::Medium));
        assert_eq!(at(22.0, 0, Some(8), 7), None);
    }

    #[test]
    fn active_today_is_safe() {
        let i = RiskInputs {
            current_streak: 30,
            active_today: true,
            local_hour: 23.5,
            usual_hour: Some(7),
            active_days_last_7: 1,
        };
        assert_eq!(streak_risk(&i), None);
    }
}
