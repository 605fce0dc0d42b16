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
//!
//! Once fitted, a logistic [`RiskModel`] replaces the points table: the probability of no
//! activity before local midnight, from the hours left, the hours past the usual hour, the
//! streak, the last 7 and 30 days' consistency and the weekend. It is fitted daily
//! (`job-fit-model`) from every user's summary: each of the last [`RISK_DAYS`] days that
//! began with a streak gives one example per [`RISK_HOURS`] hour the habit was not yet done
//! (labelled by whether the day stayed empty). The newest day is held out: the model is
//! fitted on the others and its Brier score and calibration are measured on it.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::summary::BehaviourSummary;

/// The three levels of streak risk.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::AsRefStr,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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

/// Days of each summary a fit reads (the newest held out for calibration).
pub const RISK_DAYS: i64 = 7;
/// Local hours at which a day is looked at for the fit.
pub const RISK_HOURS: [u32; 5] = [9, 12, 15, 18, 21];
/// Probability of losing the streak from which risk is high (three in four).
pub const HIGH_RISK: f64 = 0.75;
/// Probability of losing the streak from which risk is medium (losing it is the likelier
/// outcome: a warning says so).
pub const MEDIUM_RISK: f64 = 0.5;
/// Ridge penalty on the coefficients (not the intercept), keeping the fit finite.
pub const RIDGE: f64 = 1.0;
/// Number of coefficients: the intercept and six features.
pub const RISK_FEATURES: usize = 7;

/// What the risk model sees of a moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskMoment {
    /// Local time of day, in hours.
    pub local_hour: f64,
    pub usual_hour: Option<u32>,
    /// The streak the day started with.
    pub streak: u32,
    /// Active days among the 7 and 30 before today.
    pub active_prev_7: u32,
    pub active_prev_30: u32,
    pub weekday: Weekday,
}

impl RiskMoment {
    /// The feature vector (intercept first), each scaled to about [0, 1].
    pub fn features(&self) -> [f64; RISK_FEATURES] {
        let late = self.usual_hour.map_or(0.0, |u| {
            (self.local_hour - f64::from(u) - 0.5).clamp(-12.0, 12.0) / 12.0
        });
        [
            1.0,
            (24.0 - self.local_hour) / 24.0,
            late,
            f64::from(self.streak.min(30)) / 30.0,
            f64::from(self.active_prev_7) / 7.0,
            f64::from(self.active_prev_30) / 30.0,
            f64::from(u8::from(matches!(
                self.weekday,
                Weekday::Sat | Weekday::Sun
            ))),
        ]
    }
}

/// One bin of a calibration table.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CalibrationBin {
    /// Predicted probabilities in [from, to).
    pub from: f64,
    pub to: f64,
    pub examples: u64,
    pub mean_predicted: f64,
    pub observed: f64,
}

/// The fitted streak-risk model and how well it predicted the held-out day.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RiskModel {
    pub coefficients: Vec<f64>,
    /// Examples fitted on and held out.
    pub examples: u64,
    pub held_out: u64,
    /// Mean squared error of the held-out predictions (lower is better).
    pub brier: f64,
    /// The held-out day's Brier score of always predicting its base rate, for comparison.
    pub brier_base_rate: f64,
    pub calibration: Vec<CalibrationBin>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl RiskModel {
    /// The probability of no activity before local midnight.
    pub fn probability(&self, m: &RiskMoment) -> f64 {
        let z: f64 = self
            .coefficients
            .iter()
            .zip(m.features())
            .map(|(b, x)| b * x)
            .sum();
        sigmoid(z)
    }

    /// The risk level of a moment (`None`: no streak, or already done today).
    pub fn level(&self, m: &RiskMoment, active_today: bool) -> Option<(RiskLevel, f64)> {
        if m.streak == 0 || active_today {
            return None;
        }
        let p = self.probability(m);
        let level = if p >= HIGH_RISK {
            RiskLevel::High
        } else if p >= MEDIUM_RISK {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        };
        Some((level, p))
    }

    /// Fits on `train` (features, lost) by Newton's method with a ridge penalty, and measures
    /// Brier score and calibration (ten bins) on `held_out`. `None` without both kinds of
    /// outcome to learn from.
    pub fn fit(
        train: &[([f64; RISK_FEATURES], bool)],
        held_out: &[([f64; RISK_FEATURES], bool)],
    ) -> Option<RiskModel> {
        let lost = train.iter().filter(|e| e.1).count();
        if lost == 0 || lost == train.len() {
            return None;
        }
        let mut b = [0.0; RISK_FEATURES];
        for _ in 0..25 {
            let mut grad = [0.0; RISK_FEATURES];
            let mut hess = [[0.0; RISK_FEATURES]; RISK_FEATURES];
            for (x, y) in train {
                let p = sigmoid(x.iter().zip(&b).map(|(x, b)| x * b).sum());
                let r = p - f64::from(u8::from(*y));
                let w = p * (1.0 - p);
                for i in 0..RISK_FEATURES {
                    grad[i] += r * x[i];
                    for j in 0..RISK_FEATURES {
                        hess[i][j] += w * x[i] * x[j];
                    }
                }
            }
            for i in 1..RISK_FEATURES {
                grad[i] += RIDGE * b[i];
                hess[i][i] += RIDGE;
            }
            hess[0][0] += 1e-9;
            let step = solve(hess, grad)?;
            let mut moved = 0.0f64;
            for (bi, si) in b.iter_mut().zip(step) {
                *bi -= si;
                moved = moved.max(si.abs());
            }
            if moved < 1e-8 {
                break;
            }
        }
        let model = RiskModel {
            coefficients: b.to_vec(),
            examples: train.len() as u64,
            held_out: held_out.len() as u64,
            brier: 0.0,
            brier_base_rate: 0.0,
            calibration: Vec::new(),
        };
        Some(model.judged(held_out))
    }

    fn judged(mut self, held_out: &[([f64; RISK_FEATURES], bool)]) -> RiskModel {
        let n = held_out.len().max(1) as f64;
        let base = held_out.iter().filter(|e| e.1).count() as f64 / n;
        let mut bins: Vec<(u64, f64, f64)> = vec![(0, 0.0, 0.0); 10];
        let (mut brier, mut brier_base) = (0.0, 0.0);
        for (x, y) in held_out {
            let p = sigmoid(x.iter().zip(&self.coefficients).map(|(x, b)| x * b).sum());
            let y = f64::from(u8::from(*y));
            brier += (p - y).powi(2);
            brier_base += (base - y).powi(2);
            let bin = &mut bins[((p * 10.0) as usize).min(9)];
            bin.0 += 1;
            bin.1 += p;
            bin.2 += y;
        }
        self.brier = brier / n;
        self.brier_base_rate = brier_base / n;
        self.calibration = bins
            .into_iter()
            .enumerate()
            .filter(|(_, b)| b.0 > 0)
            .map(|(i, (count, p, y))| CalibrationBin {
                from: i as f64 / 10.0,
                to: (i + 1) as f64 / 10.0,
                examples: count,
                mean_predicted: p / count as f64,
                observed: y / count as f64,
            })
            .collect();
        self
    }
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting (`None`: singular).
/// Seven unknowns: written here rather than pulling a linear-algebra crate into every Lambda.
fn solve(
    mut a: [[f64; RISK_FEATURES]; RISK_FEATURES],
    mut b: [f64; RISK_FEATURES],
) -> Option<[f64; RISK_FEATURES]> {
    let n = RISK_FEATURES;
    for col in 0..n {
        let pivot = (col..n).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..n {
            let f = a[row][col] / pivot_row[col];
            for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; RISK_FEATURES];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// The examples a summary gives for local day `day` (one that has ended): at each of
/// [`RISK_HOURS`] not yet done, if the day began with a streak, (features, whether the day
/// stayed empty). Days whose first activity time is unknown give none.
pub fn examples_of_day(
    s: &BehaviourSummary,
    day: NaiveDate,
    usual_hour: Option<u32>,
    out: &mut Vec<([f64; RISK_FEATURES], bool)>,
) {
    let Some(yesterday) = day.pred_opt() else {
        return;
    };
    // The streak the day started with: the run of active days ending yesterday.
    let mut streak = 0;
    let mut d = yesterday;
    while s.days.contains(d) && streak < 30 {
        streak += 1;
        match d.pred_opt() {
            Some(p) => d = p,
            None => break,
        }
    }
    if streak == 0 {
        return;
    }
    let first = match s.days.get(day) {
        None => None,
        Some(t) => match t.first_minute {
            Some(m) => Some(u32::from(m)),
            None => return,
        },
    };
    let count = |n: i64| s.days.between(day - Duration::days(n), yesterday).len() as u32;
    let (active_prev_7, active_prev_30) = (count(7), count(30));
    for h in RISK_HOURS {
        if first.is_some_and(|m| m < h * 60) {
            continue;
        }
        let m = RiskMoment {
            local_hour: f64::from(h),
            usual_hour,
            streak,
            active_prev_7,
            active_prev_30,
            weekday: day.weekday(),
        };
        out.push((m.features(), first.is_none()));
    }
}

/// The examples of a summary whose local today is `today`: the last [`RISK_DAYS`] ended days,
/// the newest (yesterday) into `held_out`, the others into `train`.
pub fn examples(
    s: &BehaviourSummary,
    today: NaiveDate,
    train: &mut Vec<([f64; RISK_FEATURES], bool)>,
    held_out: &mut Vec<([f64; RISK_FEATURES], bool)>,
) {
    let profile = s.hour_of_day_profile();
    let usual_hour =
        (profile.iter().sum::<f64>() >= super::state::MIN_USUAL_HOUR_WEIGHT).then(|| {
            (0..24u32).fold(0, |best, h| {
                if profile[h as usize] > profile[best as usize] {
                    h
                } else {
                    best
                }
            })
        });
    for back in 1..=RISK_DAYS {
        let day = today - Duration::days(back);
        let out = if back == 1 {
            &mut *held_out
        } else {
            &mut *train
        };
        examples_of_day(s, day, usual_hour, out);
    }
}

/// Fits the risk model from every user's summary with the local day it is for them now
/// (`None`: not enough outcomes yet, and the points table stays).
pub fn fit_risk<'a>(
    summaries: impl IntoIterator<Item = (&'a BehaviourSummary, NaiveDate)>,
) -> Option<RiskModel> {
    let (mut train, mut held_out) = (Vec::new(), Vec::new());
    for (s, today) in summaries {
        examples(s, today, &mut train, &mut held_out);
    }
    RiskModel::fit(&train, &held_out)
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

    /// Synthetic users whose loss chance falls with consistency: the fit recovers the sign
    /// and is calibrated within 0.05 on held-out days.
    #[test]
    fn the_model_recovers_a_known_effect_and_is_calibrated() {
        let mut rng = crate::engine::rng::Rng::new(3);
        let mut draw = |n: usize| {
            (0..n)
                .map(|_| {
                    let m = RiskMoment {
                        local_hour: [9.0, 12.0, 15.0, 18.0, 21.0][(rng.next_u64() % 5) as usize],
                        usual_hour: Some(18),
                        streak: 1 + (rng.next_u64() % 20) as u32,
                        active_prev_7: (rng.next_u64() % 8) as u32,
                        active_prev_30: 10,
                        weekday: Weekday::Tue,
                    };
                    let x = m.features();
                    // True model: lost more late in the day, less with a consistent week.
                    let p = sigmoid(-0.5 - 2.0 * x[4] + 2.5 * x[2]);
                    (x, rng.next_f64() < p)
                })
                .collect::<Vec<_>>()
        };
        let (train, held_out) = (draw(20_000), draw(20_000));
        let m = RiskModel::fit(&train, &held_out).expect("fitted");
        assert!(m.coefficients[4] < -1.0, "{:?}", m.coefficients);
        assert!(m.coefficients[2] > 1.0, "{:?}", m.coefficients);
        assert!(m.brier < m.brier_base_rate, "{m:?}");
        for bin in m.calibration.iter().filter(|b| b.examples >= 500) {
            assert!((bin.mean_predicted - bin.observed).abs() < 0.05, "{bin:?}");
        }
        assert!(RiskModel::fit(&[(train[0].0, true)], &held_out).is_none());
    }

    #[test]
    fn a_summary_gives_examples_only_for_days_begun_with_a_streak() {
        use crate::engine::summary::DayTotals;
        let today = NaiveDate::from_ymd_opt(2027, 3, 10).expect("date");
        let mut s = BehaviourSummary::default();
        let on = |minute: u16| DayTotals {
            count: 1,
            minutes: 10,
            first_minute: Some(minute),
        };
        // Active the 3rd to 6th at 19:00, empty the 7th, active the 8th at 10:00, empty the 9th.
        for d in 3..=6 {
            s.days.insert(today - Duration::days(10 - d), on(19 * 60));
        }
        s.days.insert(today - Duration::days(2), on(10 * 60));
        let (mut train, mut held_out) = (Vec::new(), Vec::new());
        examples(&s, today, &mut train, &mut held_out);
        // Yesterday (the 9th) began with a 1-day streak and stayed empty: 5 lost examples.
        assert_eq!(held_out.len(), 5);
        assert!(held_out.iter().all(|e| e.1));
        // The 8th began without a streak (the 7th was empty): none. The 7th began with a
        // 4-day streak and stayed empty: 5 lost. The 4th–6th: not yet done at 9, 12, 15, 18,
        // then done (kept): 4 each; the 3rd began without a streak.
        assert_eq!(train.iter().filter(|e| e.1).count(), 5);
        assert_eq!(train.iter().filter(|e| !e.1).count(), 12);
    }
}
