//! Figures per policy with 95 % intervals over seeds: the printed table and the JSON of
//! `--json` (`{"population", "users", "days", "seeds", "policies": {name: {metric: {mean, lo, hi}}}}`).
//!
//! A rate with nothing under it (the read rate of a policy that sent nothing, the mean rating
//! when nobody rated) is reported as 0.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::world::Policy;
use crate::RunResult;

/// The metrics, in table and JSON order.
pub const METRICS: [&str; 8] = [
    "active_days_per_user",
    "lift",
    "read_rate",
    "action_rate",
    "pushes_per_user_week",
    "optout_rate",
    "retention",
    "mean_rating",
];

/// A mean with its 95 % interval (Student's t over seeds; a point when there is one seed).
#[derive(Serialize, Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Interval {
    /// The interval of the mean of `xs`.
    pub fn of(xs: &[f64]) -> Interval {
        let n = xs.len();
        if n == 0 {
            return Interval {
                mean: 0.0,
                lo: 0.0,
                hi: 0.0,
            };
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Interval {
                mean,
                lo: mean,
                hi: mean,
            };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .map(|d| d.inverse_cdf(0.975))
            .unwrap_or(1.96);
        let half = t * (var / n as f64).sqrt();
        Interval {
            mean,
            lo: mean - half,
            hi: mean + half,
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The metrics of one run; `none_active_days` is the `none` run's of the same seed.
pub fn metrics(r: &RunResult, none_active_days: Option<u64>) -> [f64; 8] {
    let users = r.users.max(1) as u64;
    let per_user = ratio(r.active_days, users);
    let lift = match none_active_days {
        Some(base) if r.policy != Policy::None && base > 0 => {
            (r.active_days as f64 - base as f64) / base as f64
        }
        _ => 0.0,
    };
    [
        per_user,
        lift,
        ratio(r.reads, r.delivered),
        ratio(r.acts, r.delivered),
        r.delivered as f64 / users as f64 / (r.days as f64 / 7.0),
        ratio(r.opted_out, users),
        ratio(r.retained, users),
        ratio(r.ratings_sum, r.ratings),
    ]
}

/// The whole report.
#[derive(Serialize, Debug, Clone)]
pub struct Report {
    pub population: String,
    pub users: usize,
    pub days: usize,
    pub seeds: usize,
    pub policies: BTreeMap<String, BTreeMap<String, Interval>>,
    #[serde(skip)]
    pub order: Vec<Policy>,
}

impl Report {
    /// Figures per policy from every run (each seed's `none` run is the lift's baseline; a
    /// run without one has lift 0).
    pub fn new(population: &str, users: usize, days: usize, runs: &[RunResult]) -> Report {
        let mut order: Vec<Policy> = runs.iter().map(|r| r.policy).collect();
        order.sort();
        order.dedup();
        let seeds = runs
            .iter()
            .map(|r| r.seed)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let baseline = |seed| {
            runs.iter()
                .find(|r| r.policy == Policy::None && r.seed == seed)
                .map(|r| r.active_days)
        };
        let mut policies = BTreeMap::new();
        for p in &order {
            let per_seed: Vec<[f64; 8]> = runs
                .iter()
                .filter(|r| r.policy == *p)
                .map(|r| metrics(r, baseline(r.seed)))
                .collect();
            let figures = METRICS
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let xs: Vec<f64> = per_seed.iter().map(|m| m[i]).collect();
                    ((*name).to_owned(), Interval::of(&xs))
                })
                .collect();
            policies.insert(p.name().to_owned(), figures);
        }
        Report {
            population: population.to_owned(),
            users,
            days,
            seeds,
            policies,
            order,
        }
    }

    /// The table, one row per policy, `mean [lo, hi]` per metric.
    pub fn table(&self) -> String {
        let heads = [
            "policy",
            "active days/user",
            "lift",
            "read rate",
            "action rate",
            "pushes/user-wk",
            "opt-out rate",
            "retention",
            "mean rating",
        ];
        let mut rows: Vec<Vec<String>> = vec![heads.iter().map(|h| (*h).to_owned()).collect()];
        for p in &self.order {
            let Some(m) = self.policies.get(p.name()) else {
                continue;
            };
            let mut row = vec![p.name().to_owned()];
            for (i, name) in METRICS.iter().enumerate() {
                let v = m.get(*name).copied().unwrap_or(Interval::of(&[]));
                row.push(match i {
                    1 => format!(
                        "{:+.1}% [{:+.1}, {:+.1}]",
                        v.mean * 100.0,
                        v.lo * 100.0,
                        v.hi * 100.0
                    ),
                    2 | 3 | 5 | 6 => format!(
                        "{:.1}% [{:.1}, {:.1}]",
                        v.mean * 100.0,
                        v.lo * 100.0,
                        v.hi * 100.0
                    ),
                    _ => format!("{:.2} [{:.2}, {:.2}]", v.mean, v.lo, v.hi),
                });
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..heads.len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = format!(
            "population {} · {} users · {} days · {} seeds · 95 % intervals over seeds\n",
            self.population, self.users, self.days, self.seeds
        );
        for (i, r) in rows.iter().enumerate() {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
            if i == 0 {
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                out.push_str(&format!("|-{}-|\n", rule.join("-|-")));
            }
        }
        out
    }
}

/// Where each policy's pushes went, summed over seeds: per message type the pushes, action
/// and reward rates (reward: the habit within 2 hours), and how many pushes landed asleep or
/// beyond the user's weekly tolerance.
pub fn breakdown(runs: &[RunResult]) -> String {
    let mut out = String::new();
    let mut policies: Vec<Policy> = runs.iter().map(|r| r.policy).collect();
    policies.sort();
    policies.dedup();
    for p in policies.into_iter().filter(|p| *p != Policy::None) {
        let rs: Vec<&RunResult> = runs.iter().filter(|r| r.policy == p).collect();
        let sum = |f: &dyn Fn(&RunResult) -> u64| rs.iter().map(|r| f(r)).sum::<u64>();
        let delivered = sum(&|r| r.delivered);
        out.push_str(&format!(
            "{}: {} pushes, reward rate {:.1}%, asleep {:.1}%, beyond tolerance {:.1}%, \
             day already done {:.1}%, template repeated within 14 days {:.1}%\n",
            p.name(),
            delivered,
            100.0 * ratio(sum(&|r| r.rewarded), delivered),
            100.0 * ratio(sum(&|r| r.asleep), delivered),
            100.0 * ratio(sum(&|r| r.over_tolerance), delivered),
            100.0 * ratio(sum(&|r| r.done_before), delivered),
            100.0 * ratio(sum(&|r| r.repeats), delivered),
        ));
        for t in coaching::domain::preferences::MessageType::ALL {
            let i = t as usize;
            let n = sum(&|r| r.by_type[i][0]);
            if n == 0 {
                continue;
            }
            out.push_str(&format!(
                "  {:<26} {:>8} pushes  acted {:>5.1}%  rewarded {:>5.1}%\n",
                serde_json::to_value(t)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                n,
                100.0 * ratio(sum(&|r| r.by_type[i][1]), n),
                100.0 * ratio(sum(&|r| r.by_type[i][2]), n),
            ));
        }
        out.push_str("  by hours from delivery to the usual hour (pushes, acted):");
        for lead in 0..13 {
            let n = sum(&|r| r.by_lead[lead][0]);
            out.push_str(&format!(
                " {:+}h {} {:.1}%",
                lead as i64 - 6,
                n,
                100.0 * ratio(sum(&|r| r.by_lead[lead][1]), n)
            ));
        }
        out.push('\n');
    }
    out
}
