//! Habit strength in the manner of Loop Habit Tracker: an exponential moving score that rises
//! with each active day and decays on each missed one, `s = s·m + v·(1−m)` with
//! `m = 0.5^(√f / 13)` (`f` = 1 for a daily habit, `v` = 1 on an active day, else 0).

use chrono::{Datelike, NaiveDate};

use super::summary::BehaviourSummary;

/// The daily multiplier for a habit of frequency `f` (checks per day).
pub fn multiplier(frequency: f64) -> f64 {
    0.5f64.powf(frequency.sqrt() / 13.0)
}

/// Habit strength in [0, 1] on local date `today`, from the summary's kept days (a daily habit).
/// A run of `k` missed days multiplies the score by `m^k` at once, so the work is per active
/// day, not per calendar day.
pub fn habit_strength(summary: &BehaviourSummary, today: NaiveDate) -> f64 {
    let Some(first) = summary.days.first().filter(|f| *f <= today) else {
        return 0.0;
    };
    let m = multiplier(1.0);
    let powers = daily_powers();
    // `m^k`, read from the table when it holds it (the same value: the table is `powi`'s).
    let pow = |k: i64| match usize::try_from(k).ok().and_then(|k| powers.get(k)) {
        Some(p) => *p,
        None => m.powi(i32::try_from(k).unwrap_or(i32::MAX)),
    };
    let day_number = |d: NaiveDate| i64::from(d.num_days_from_ce());
    let mut s = 0.0;
    let mut previous = day_number(first) - 1;
    for (d, _) in summary.days.between(first, today) {
        let d = day_number(*d);
        // Consecutive active days miss none: `m⁰` is exactly 1, so the call is left out.
        let missed = d - previous - 1;
        if missed > 0 {
            s *= pow(missed);
        }
        s = s * m + (1.0 - m);
        previous = d;
    }
    s * pow(day_number(today) - previous)
}

/// `multiplier(1.0).powi(k)` for `k` below 128, computed once.
fn daily_powers() -> &'static [f64; 128] {
    static POWERS: std::sync::OnceLock<[f64; 128]> = std::sync::OnceLock::new();
    POWERS.get_or_init(|| {
        let m = multiplier(1.0);
        let mut p = [1.0; 128];
        for (k, v) in (0i32..).zip(p.iter_mut()) {
            // An exponent the compiler cannot see: `powi` at run time, never folded.
            *v = m.powi(std::hint::black_box(k));
        }
        p
    })
}

/// Days a typical habit takes to become automatic (Lally et al., 2010: median 66).
pub const FORMATION_DAYS: f64 = 66.0;

/// Probability in [0, 1] that the habit is formed or will form: strength weighted 60 %,
/// accumulated practice (active days against the 66-day median) 40 %.
pub fn formation_probability(strength: f64, active_days: u32) -> f64 {
    let practice = 1.0 - (-f64::from(active_days) / FORMATION_DAYS).exp();
    (0.6 * strength + 0.4 * practice).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::summary::DayTotals;
    use chrono::Duration;
    use proptest::prelude::*;

    fn summary(active: &[bool], start: NaiveDate) -> BehaviourSummary {
        let mut s = BehaviourSummary::default();
        for (i, on) in active.iter().enumerate() {
            if *on {
                s.days.insert(
                    start + Duration::days(i as i64),
                    DayTotals {
                        count: 1,
                        minutes: 10,
                        first_minute: None,
                    },
                );
            }
        }
        s
    }

    #[test]
    fn the_powers_table_is_powi() {
        let m = multiplier(1.0);
        for (k, p) in (0i32..).zip(daily_powers()) {
            assert_eq!(
                p.to_bits(),
                m.powi(std::hint::black_box(k)).to_bits(),
                "k = {k}"
            );
        }
    }

    #[test]
    fn daily_multiplier_matches_loop() {
        assert!((multiplier(1.0) - 0.948_077).abs() < 1e-6);
    }

    #[test]
    fn strength_rises_and_decays() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let s30 = habit_strength(&summary(&[true; 30], start), start + Duration::days(29));
        let expected = 1.0 - multiplier(1.0).powi(30);
        assert!((s30 - expected).abs() < 1e-12);
        let later = habit_strength(&summary(&[true; 30], start), start + Duration::days(39));
        assert!(later < s30);
        assert!((later - s30 * multiplier(1.0).powi(10)).abs() < 1e-12);
    }

    proptest! {
        /// Strength stays in [0, 1], and one more active day never lowers it.
        #[test]
        fn bounded_and_monotone(active in prop::collection::vec(any::<bool>(), 1..120)) {
            let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
            let today = start + Duration::days(active.len() as i64 - 1);
            let s = habit_strength(&summary(&active, start), today);
            prop_assert!((0.0..=1.0).contains(&s));
            if let Some(i) = active.iter().position(|a| !a) {
                let mut more = active.clone();
                more[i] = true;
                prop_assert!(habit_strength(&summary(&more, start), today) >= s);
            }
            let p = formation_probability(s, active.iter().filter(|a| **a).count() as u32);
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }
}
