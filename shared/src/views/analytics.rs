//! Daily analytics from the day's counters (pure): read and action rates by type, tone,
//! segment and template variant, time to engagement, satisfaction, delivery success, and
//! each experiment's variants compared with a two-proportion z-test.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::views::counters::CounterRow;

/// The seed's targets.
pub const READ_RATE_TARGET: f64 = 0.70;
pub const ACTION_RATE_TARGET: f64 = 0.40;
/// Significance level of experiment comparisons.
pub const ALPHA: f64 = 0.05;

/// Figures of one dimension value.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
pub struct Rates {
    pub sent: i64,
    pub failed: i64,
    pub expired: i64,
    /// Dropped at send time because the trigger no longer held.
    pub irrelevant: i64,
    /// Pushes followed by the habit within two hours.
    pub rewarded: i64,
    /// rewarded / sent: the outcome the coach learns from.
    pub reward_rate: Option<f64>,
    pub read: i64,
    pub acted: i64,
    pub dismissed: i64,
    /// read / sent.
    pub read_rate: Option<f64>,
    /// acted / sent.
    pub action_rate: Option<f64>,
    pub mean_seconds_to_read: Option<f64>,
    pub mean_seconds_to_act: Option<f64>,
    /// Mean rating (1–5) of the feedback given.
    pub satisfaction: Option<f64>,
    /// Share of "helpful" among helpful/unhelpful answers.
    pub helpful_share: Option<f64>,
    pub feedback: i64,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

impl Rates {
    fn from_counts(c: &BTreeMap<String, i64>) -> Self {
        let n = |k: &str| c.get(k).copied().unwrap_or(0);
        Rates {
            sent: n("sent"),
            failed: n("failed"),
            expired: n("expired"),
            irrelevant: n("irrelevant"),
            rewarded: n("rewarded"),
            reward_rate: ratio(n("rewarded"), n("sent")),
            read: n("read"),
            acted: n("acted"),
            dismissed: n("dismissed"),
            read_rate: ratio(n("read"), n("sent")),
            action_rate: ratio(n("acted"), n("sent")),
            mean_seconds_to_read: ratio(n("read_seconds"), n("read_count")),
            mean_seconds_to_act: ratio(n("act_seconds"), n("act_count")),
            satisfaction: ratio(n("rating_sum"), n("rating_count")),
            helpful_share: ratio(n("helpful"), n("helpful") + n("unhelpful")),
            feedback: n("feedback"),
        }
    }
}

/// One variant's side of a comparison.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Arm {
    pub variant_id: String,
    pub sent: i64,
    pub acted: i64,
    pub action_rate: Option<f64>,
}

/// A variant compared with its experiment's control on action rate.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The experiment id, or `template:<id>` for a template's variants outside experiments.
    pub experiment: String,
    pub control: Arm,
    pub treatment: Arm,
    /// treatment − control action rate.
    pub difference: Option<f64>,
    pub z: Option<f64>,
    pub p_value: Option<f64>,
    pub significant: bool,
}

/// How delivery went.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DeliveryFigures {
    pub sent: i64,
    pub failed: i64,
    pub expired: i64,
    /// sent / (sent + failed).
    pub success_rate: Option<f64>,
}

/// A day's report (messages sent that UTC day).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct DailyReport {
    pub date: NaiveDate,
    pub overall: Rates,
    pub read_rate_target_met: Option<bool>,
    pub action_rate_target_met: Option<bool>,
    pub delivery: DeliveryFigures,
    pub by_type: BTreeMap<String, Rates>,
    pub by_tone: BTreeMap<String, Rates>,
    pub by_segment: BTreeMap<String, Rates>,
    /// Keyed `<template>#<variant>`.
    pub by_variant: BTreeMap<String, Rates>,
    pub experiments: Vec<Comparison>,
    /// The streak-risk model in use (the newest fit): coefficients, held-out Brier score
    /// beside the base rate's, and calibration table. Absent while the points table decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_model: Option<crate::engine::risk::RiskModel>,
}

/// The standard normal CDF (Abramowitz–Stegun 7.1.26 for erf; error below 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Two-proportion z-test of x1/n1 against x2/n2 with the pooled variance: (z, two-sided p).
/// `None` when a group is empty or the pooled proportion is 0 or 1 (no variance).
pub fn two_proportion(x1: i64, n1: i64, x2: i64, n2: i64) -> Option<(f64, f64)> {
    if n1 <= 0 || n2 <= 0 || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let z = (p2 - p1) / se;
    let p = (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0);
    Some((z, p))
}

fn arm(variant_id: &str, c: &BTreeMap<String, i64>) -> Arm {
    let n = |k: &str| c.get(k).copied().unwrap_or(0);
    Arm {
        variant_id: variant_id.to_owned(),
        sent: n("sent"),
        acted: n("acted"),
        action_rate: ratio(n("acted"), n("sent")),
    }
}

/// Each variant against the control (the alphabetically first variant) of every group with
/// at least two variants.
fn comparisons(
    groups: BTreeMap<String, BTreeMap<String, &BTreeMap<String, i64>>>,
) -> Vec<Comparison> {
    let mut out = Vec::new();
    for (experiment, variants) in groups {
        let mut it = variants.iter();
        let Some((control_id, control)) = it.next() else {
            continue;
        };
        let control = arm(control_id, control);
        for (id, counts) in it {
            let treatment = arm(id, counts);
            let test = two_proportion(control.acted, control.sent, treatment.acted, treatment.sent);
            out.push(Comparison {
                experiment: experiment.clone(),
                difference: treatment
                    .action_rate
                    .zip(control.action_rate)
                    .map(|(t, c)| t - c),
                z: test.map(|t| t.0),
                p_value: test.map(|t| t.1),
                significant: test.is_some_and(|t| t.1 < ALPHA),
                control: control.clone(),
                treatment,
            });
        }
    }
    out
}

/// The report of `date` from its counter rows.
pub fn report(date: NaiveDate, rows: &[CounterRow]) -> DailyReport {
    let mut r = DailyReport {
        date,
        overall: Rates::default(),
        read_rate_target_met: None,
        action_rate_target_met: None,
        delivery: DeliveryFigures {
            sent: 0,
            failed: 0,
            expired: 0,
            success_rate: None,
        },
        by_type: BTreeMap::new(),
        by_tone: BTreeMap::new(),
        by_segment: BTreeMap::new(),
        by_variant: BTreeMap::new(),
        experiments: Vec::new(),
        risk_model: None,
    };
    let mut experiments: BTreeMap<String, BTreeMap<String, &BTreeMap<String, i64>>> =
        BTreeMap::new();
    let mut templates: BTreeMap<String, BTreeMap<String, &BTreeMap<String, i64>>> = BTreeMap::new();
    for row in rows {
        let rates = Rates::from_counts(&row.counts);
        let (kind, rest) = row
            .dimension
            .split_once('#')
            .unwrap_or((row.dimension.as_str(), ""));
        match kind {
            "all" => r.overall = rates,
            "type" => {
                r.by_type.insert(rest.to_owned(), rates);
            }
            "tone" => {
                r.by_tone.insert(rest.to_owned(), rates);
            }
            "segment" => {
                r.by_segment.insert(rest.to_owned(), rates);
            }
            "variant" => {
                if let Some((t, v)) = rest.split_once('#') {
                    templates
                        .entry(format!("template:{t}"))
                        .or_default()
                        .insert(v.to_owned(), &row.counts);
                }
                r.by_variant.insert(rest.to_owned(), rates);
            }
            "experiment" => {
                if let Some((e, v)) = rest.rsplit_once('#') {
                    experiments
                        .entry(e.to_owned())
                        .or_default()
                        .insert(v.to_owned(), &row.counts);
                }
            }
            _ => {}
        }
    }
    r.delivery = DeliveryFigures {
        sent: r.overall.sent,
        failed: r.overall.failed,
        expired: r.overall.expired,
        success_rate: ratio(r.overall.sent, r.overall.sent + r.overall.failed),
    };
    r.read_rate_target_met = r.overall.read_rate.map(|x| x >= READ_RATE_TARGET);
    r.action_rate_target_met = r.overall.action_rate.map(|x| x >= ACTION_RATE_TARGET);
    r.experiments = comparisons(experiments);
    r.experiments.extend(comparisons(templates));
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(dim: &str, counts: &[(&str, i64)]) -> CounterRow {
        CounterRow {
            dimension: dim.into(),
            counts: counts.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }

    #[test]
    fn a_known_test_statistic() {
        // 30/100 against 45/100: pooled 0.375, z ≈ 2.191, p ≈ 0.0285.
        let (z, p) = two_proportion(30, 100, 45, 100).expect("defined");
        assert!((z - 2.1909).abs() < 1e-3, "{z}");
        assert!((p - 0.02846).abs() < 1e-3, "{p}");
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert_eq!(two_proportion(0, 10, 0, 10), None);
        assert_eq!(two_proportion(1, 0, 0, 10), None);
    }

    #[test]
    fn rates_dimensions_and_experiments() {
        let rows = vec![
            row(
                "all",
                &[
                    ("sent", 200),
                    ("failed", 10),
                    ("read", 150),
                    ("acted", 90),
                    ("read_seconds", 3000),
                    ("read_count", 150),
                    ("rating_sum", 40),
                    ("rating_count", 10),
                ],
            ),
            row(
                "type#risk_warning",
                &[("sent", 50), ("read", 45), ("acted", 30)],
            ),
            row("tone#gentle", &[("sent", 20), ("read", 10)]),
            row("segment#getting_started", &[("sent", 60), ("acted", 6)]),
            row("variant#t1#a", &[("sent", 100), ("acted", 30)]),
            row("variant#t1#b", &[("sent", 100), ("acted", 45)]),
            row("experiment#exp-1#a", &[("sent", 100), ("acted", 30)]),
            row("experiment#exp-1#b", &[("sent", 100), ("acted", 45)]),
        ];
        let r = report(NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"), &rows);
        assert_eq!(r.overall.read_rate, Some(0.75));
        assert_eq!(r.overall.action_rate, Some(0.45));
        assert_eq!(r.read_rate_target_met, Some(true));
        assert_eq!(r.action_rate_target_met, Some(true));
        assert_eq!(r.overall.mean_seconds_to_read, Some(20.0));
        assert_eq!(r.overall.satisfaction, Some(4.0));
        assert_eq!(r.delivery.success_rate, Some(200.0 / 210.0));
        assert_eq!(r.by_type["risk_warning"].read_rate, Some(0.9));
        assert_eq!(r.by_segment["getting_started"].action_rate, Some(0.1));
        assert_eq!(r.experiments.len(), 2);
        let e = &r.experiments[0];
        assert_eq!(e.experiment, "exp-1");
        assert_eq!(
            (
                e.control.variant_id.as_str(),
                e.treatment.variant_id.as_str()
            ),
            ("a", "b")
        );
        assert!(e.significant && e.p_value.is_some_and(|p| p < 0.05));
        assert_eq!(r.experiments[1].experiment, "template:t1");
    }

    proptest! {
        #[test]
        fn p_values_are_probabilities_and_symmetric(n1 in 1i64..5000, n2 in 1i64..5000, a in 0.0f64..=1.0, b in 0.0f64..=1.0) {
            let x1 = (a * n1 as f64) as i64;
            let x2 = (b * n2 as f64) as i64;
            if let Some((z, p)) = two_proportion(x1, n1, x2, n2) {
                prop_assert!((0.0..=1.0).contains(&p));
                let (z2, p2) = two_proportion(x2, n2, x1, n1).expect("defined both ways");
                prop_assert!((z + z2).abs() < 1e-9);
                prop_assert!((p - p2).abs() < 1e-9);
                if x1 * n2 == x2 * n1 {
                    prop_assert!((p - 1.0).abs() < 1e-6);
                }
            }
        }

        #[test]
        fn the_cdf_is_monotone(a in -8.0f64..8.0, d in 0.0f64..4.0) {
            prop_assert!(normal_cdf(a) <= normal_cdf(a + d) + 1e-12);
            prop_assert!((normal_cdf(a) + normal_cdf(-a) - 1.0).abs() < 1e-6);
        }
    }
}
