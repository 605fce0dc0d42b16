//! What the coach learns from everyone's outcomes, as data: a [`Model`] fitted daily from the
//! statistics table's per-day counters (the reward of each push: the habit done within two
//! hours of its delivery), stored versioned, and read by generation as [`Priors`].
//!
//! The counters it is fitted from are kept by the same transactions that deliver and reward a
//! message (`views::counters::counter_adds`), under these dimensions:
//!
//! | dimension | counts | fits |
//! |---|---|---|
//! | `type_segment#<type>#<segment>` | `sent`, `rewarded` | the reward rate of a message type per segment: the prior of each user's send-or-not (`engine::value`) |
//! | `arm#<template>#<segment>` | `w_sent`, `w_rewarded`: thousandths of 1/p | the reward when the bandit chose the template, weighted by inverse propensity |
//! | `rival#<template>#<segment>` | `w_sent`, `w_rewarded`: thousandths of 1/(1 − p) | the reward when it was eligible but another was chosen |
//! | `n7#<bucket>#<segment>` | `sent`, `rewarded` | the reward by pushes the user had in the 7 days before ([`n7_bucket`]): the dose, how reward falls as pushes pile up |
//! | `lead#<hours>` | `sent`, `rewarded` | the reward by hours from the planned send to the user's usual hour ([`lead_bucket`]): the timing prior of send-or-not and of the send hour |
//!
//! An arm's value is the difference of its two weighted rates (Recovering Difference Softmax,
//! Yancey & Settles, KDD 2020): it compares the template with its rivals in the moments it
//! competed for, so a template eligible only in easy moments earns no credit for them. Every
//! rate is shrunk toward its parent (population → message type → segment) with
//! [`POPULATION_STRENGTH`] pseudo-pushes, so a new template or a thin segment starts from its
//! parent's figure.

use std::collections::BTreeMap;

use foldhash::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::risk::RiskModel;
use crate::domain::preferences::MessageType;
use crate::domain::user::Segment;

/// Pseudo-pushes a population-level rate is shrunk toward its parent with.
pub const POPULATION_STRENGTH: f64 = 20.0;
/// Days of counters a fit reads.
pub const FIT_DAYS: i64 = 28;
/// Reward rate assumed where nothing is known yet.
pub const DEFAULT_RATE: f64 = 0.2;

/// Hours from a send to the usual hour that have a bucket of their own; farther ones share the
/// end buckets.
pub const MAX_LEAD: i32 = 6;

/// The lead bucket of a push planned at local hour `send_hour` for a user whose usual hour is
/// `usual_hour`: the hours from the send to the usual hour (positive: before it), wrapped to
/// −11..=12 and clamped to ±[`MAX_LEAD`].
pub fn lead_bucket(usual_hour: u32, send_hour: u32) -> i32 {
    let d = (i64::from(usual_hour) - i64::from(send_hour)).rem_euclid(24) as i32;
    let wrapped = if d > 12 { d - 24 } else { d };
    wrapped.clamp(-MAX_LEAD, MAX_LEAD)
}

/// Buckets of pushes in the 7 days before a push.
pub const N7_BUCKETS: usize = 6;

/// The bucket of a push that followed `n7` pushes in the 7 days before it: 0–1, 2–3, 4–5,
/// 6–7, 8–10, 11 or more.
pub fn n7_bucket(n7: u32) -> usize {
    match n7 {
        0..=1 => 0,
        2..=3 => 1,
        4..=5 => 2,
        6..=7 => 3,
        8..=10 => 4,
        _ => 5,
    }
}

/// Pushes and rewards (weighted where the dimension is).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub pushes: f64,
    pub rewarded: f64,
}

impl Tally {
    /// The rate shrunk toward `prior` with `strength` pseudo-pushes.
    pub fn shrunk(self, prior: f64, strength: f64) -> f64 {
        (self.rewarded + strength * prior) / (self.pushes + strength)
    }

    fn add(&mut self, other: Tally) {
        self.pushes += other.pushes;
        self.rewarded += other.rewarded;
    }
}

/// The reward of a message type in a segment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TypeFit {
    pub message_type: MessageType,
    pub segment: Segment,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The weighted reward of a template in a segment, chosen and eligible but not chosen.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ArmFit {
    pub template_id: String,
    pub segment: Segment,
    pub chosen: Tally,
    pub rival: Tally,
}

/// The reward of pushes planned `lead` hours before the usual hour ([`lead_bucket`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LeadFit {
    pub lead: i32,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The reward of pushes in a segment that followed a bucket of pushes in the week before.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct DoseFit {
    pub bucket: usize,
    pub segment: Segment,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The fitted parameters: everything the coach learned from the population, with where it
/// came from. The default (no data) makes every learner start from the rules.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Model {
    /// When it was fitted; its version is that day (`aws::dynamo::model`).
    pub fitted_at: Option<DateTime<Utc>>,
    /// The send days of the counters it was fitted from.
    pub data_from: Option<NaiveDate>,
    pub data_to: Option<NaiveDate>,
    /// Delivered pushes in the data.
    pub pushes: f64,
    pub types: Vec<TypeFit>,
    pub arms: Vec<ArmFit>,
    #[serde(default)]
    pub leads: Vec<LeadFit>,
    #[serde(default)]
    pub doses: Vec<DoseFit>,
    /// The streak-risk model fitted from the summaries (`engine::risk`), if there was enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskModel>,
}

fn parse<T: serde::de::DeserializeOwned>(wire: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(wire.to_owned())).ok()
}

impl Model {
    /// Fits the model from per-day counter rows (dimension, counters) of send days
    /// `data_from..=data_to`. Rows of other dimensions are ignored; unreadable ones too (a
    /// template or type since removed simply stops counting).
    pub fn fit<'a>(
        rows: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, i64>)>,
        fitted_at: DateTime<Utc>,
        data_from: NaiveDate,
        data_to: NaiveDate,
    ) -> Model {
        let mut types: BTreeMap<(MessageType, Segment), Tally> = BTreeMap::new();
        let mut arms: BTreeMap<(String, Segment), (Tally, Tally)> = BTreeMap::new();
        let mut leads: BTreeMap<i32, Tally> = BTreeMap::new();
        let mut doses: BTreeMap<(usize, Segment), Tally> = BTreeMap::new();
        let mut pushes = 0.0;
        for (dim, counts) in rows {
            let n = |k: &str| counts.get(k).copied().unwrap_or(0) as f64;
            let plain = Tally {
                pushes: n("sent"),
                rewarded: n("rewarded"),
            };
            let weighted = Tally {
                pushes: n("w_sent") / 1000.0,
                rewarded: n("w_rewarded") / 1000.0,
            };
            let mut parts = dim.split('#');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("all"), None, None) => pushes += plain.pushes,
                (Some("type_segment"), Some(t), Some(s)) => {
                    if let (Some(t), Some(s)) = (parse(t), parse(s)) {
                        types.entry((t, s)).or_default().add(plain);
                    }
                }
                (Some("n7"), Some(b), Some(seg)) => {
                    if let (Ok(b), Some(seg)) = (b.parse::<usize>(), parse(seg)) {
                        if b < N7_BUCKETS {
                            doses.entry((b, seg)).or_default().add(plain);
                        }
                    }
                }
                (Some("lead"), Some(l), None) => {
                    if let Ok(l) = l.parse::<i32>() {
                        leads.entry(l).or_default().add(plain);
                    }
                }
                (Some(kind @ ("arm" | "rival")), Some(t), Some(s)) => {
                    if let Some(s) = parse(s) {
                        let e = arms.entry((t.to_owned(), s)).or_default();
                        if kind == "arm" {
                            e.0.add(weighted);
                        } else {
                            e.1.add(weighted);
                        }
                    }
                }
                _ => {}
            }
        }
        Model {
            fitted_at: Some(fitted_at),
            data_from: Some(data_from),
            data_to: Some(data_to),
            pushes,
            types: types
                .into_iter()
                .map(|((message_type, segment), tally)| TypeFit {
                    message_type,
                    segment,
                    tally,
                })
                .collect(),
            arms: arms
                .into_iter()
                .map(|((template_id, segment), (chosen, rival))| ArmFit {
                    template_id,
                    segment,
                    chosen,
                    rival,
                })
                .collect(),
            leads: leads
                .into_iter()
                .map(|(lead, tally)| LeadFit { lead, tally })
                .collect(),
            doses: doses
                .into_iter()
                .map(|((bucket, segment), tally)| DoseFit {
                    bucket,
                    segment,
                    tally,
                })
                .collect(),
            risk: None,
        }
    }
}

const SEGMENTS: usize = Segment::ALL.len();
const TYPES: usize = MessageType::ALL.len();

/// An arm's value (chosen rate minus rival rate) per segment; a segment without data of its
/// own has the template's overall value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ArmValue {
    /// Weighted pushes it was chosen in.
    pub pushes: f64,
    pub by_segment: [f64; SEGMENTS],
}

/// The fitted model indexed for planning: every lookup is an array or one hash read.
#[derive(Debug, Clone, PartialEq)]
pub struct Priors {
    /// Whether any data was fitted (false: the rules' cold start).
    pub fitted: bool,
    /// The population's reward rate per push.
    pub overall: f64,
    /// Reward rate per type and segment, shrunk toward the type's, shrunk toward `overall`.
    type_rate: [[f64; SEGMENTS]; TYPES],
    arms: HashMap<String, ArmValue>,
    /// Reward rate per lead bucket (index lead + [`MAX_LEAD`]), shrunk toward `overall`.
    lead_rate: [f64; 2 * MAX_LEAD as usize + 1],
    /// How a segment's reward at each dose bucket compares with its reward at any dose.
    dose_factor: [[f64; SEGMENTS]; N7_BUCKETS],
    /// The fitted streak-risk model (`None`: the points table).
    pub risk: Option<RiskModel>,
}

impl Default for Priors {
    fn default() -> Self {
        Priors::from(&Model::default())
    }
}

impl From<&Model> for Priors {
    fn from(m: &Model) -> Self {
        let k = POPULATION_STRENGTH;
        let mut all = Tally::default();
        let mut by_type = [Tally::default(); TYPES];
        for t in &m.types {
            all.add(t.tally);
            by_type[t.message_type as usize].add(t.tally);
        }
        let overall = all.shrunk(DEFAULT_RATE, k);
        let mut type_rate = [[overall; SEGMENTS]; TYPES];
        for (ty, rates) in type_rate.iter_mut().enumerate() {
            rates.fill(by_type[ty].shrunk(overall, k));
        }
        for t in &m.types {
            let ty = t.message_type as usize;
            let parent = by_type[ty].shrunk(overall, k);
            type_rate[ty][t.segment as usize] = t.tally.shrunk(parent, k);
        }

        let mut per_template: HashMap<&str, (Tally, Tally)> = HashMap::default();
        for a in &m.arms {
            let e = per_template.entry(a.template_id.as_str()).or_default();
            e.0.add(a.chosen);
            e.1.add(a.rival);
        }
        let mut arms: HashMap<String, ArmValue> = HashMap::default();
        let mut parents: HashMap<&str, (f64, f64)> = HashMap::default();
        for (id, (chosen, rival)) in &per_template {
            let (c, r) = (chosen.shrunk(overall, k), rival.shrunk(overall, k));
            parents.insert(id, (c, r));
            arms.insert(
                (*id).to_owned(),
                ArmValue {
                    pushes: chosen.pushes,
                    by_segment: [c - r; SEGMENTS],
                },
            );
        }
        for a in &m.arms {
            let (pc, pr) = parents
                .get(a.template_id.as_str())
                .copied()
                .unwrap_or((overall, overall));
            if let Some(v) = arms.get_mut(&a.template_id) {
                v.by_segment[a.segment as usize] = a.chosen.shrunk(pc, k) - a.rival.shrunk(pr, k);
            }
        }

        let mut lead_rate = [overall; 2 * MAX_LEAD as usize + 1];
        for l in &m.leads {
            if let Some(r) = usize::try_from(l.lead + MAX_LEAD)
                .ok()
                .and_then(|i| lead_rate.get_mut(i))
            {
                *r = l.tally.shrunk(overall, k);
            }
        }
        // Dose: each bucket's rate in a segment shrunk toward the bucket's rate overall, over
        // the segment's rate at any dose.
        let mut by_bucket = [Tally::default(); N7_BUCKETS];
        let mut by_seg = [Tally::default(); SEGMENTS];
        for d in &m.doses {
            by_bucket[d.bucket].add(d.tally);
            by_seg[d.segment as usize].add(d.tally);
        }
        let mut dose_factor = [[1.0; SEGMENTS]; N7_BUCKETS];
        for d in &m.doses {
            let parent = by_bucket[d.bucket].shrunk(overall, k);
            let seg_rate = by_seg[d.segment as usize].shrunk(overall, k);
            if seg_rate > 0.0 {
                dose_factor[d.bucket][d.segment as usize] = d.tally.shrunk(parent, k) / seg_rate;
            }
        }
        Priors {
            dose_factor,
            risk: m.risk.clone(),
            lead_rate,
            fitted: m.pushes > 0.0,
            overall,
            type_rate,
            arms,
        }
    }
}

impl Priors {
    /// The population's reward rate of `ty` in `segment`.
    pub fn type_rate(&self, ty: MessageType, segment: Segment) -> f64 {
        self.type_rate[ty as usize][segment as usize]
    }

    /// How much better than the average push one planned `lead` hours before the usual hour
    /// does ([`lead_bucket`]): its rate over the overall rate (1 without data).
    pub fn lead_factor(&self, lead: i32) -> f64 {
        let i = (lead.clamp(-MAX_LEAD, MAX_LEAD) + MAX_LEAD) as usize;
        if self.overall > 0.0 {
            self.lead_rate[i] / self.overall
        } else {
            1.0
        }
    }

    /// How a push after `n7` pushes in the week before does in `segment`, against the
    /// segment's average push (1 without data).
    pub fn dose_factor(&self, n7: u32, segment: Segment) -> f64 {
        self.dose_factor[n7_bucket(n7)][segment as usize]
    }

    /// A template's value in `segment`: its reward when chosen minus when a rival was; 0 for
    /// a template without data.
    pub fn arm_value(&self, template_id: &str, segment: Segment) -> f64 {
        self.arms
            .get(template_id)
            .map_or(0.0, |v| v.by_segment[segment as usize])
    }

    /// The (weighted) pushes a template was chosen in: how much its value rests on data.
    pub fn arm_pushes(&self, template_id: &str) -> f64 {
        self.arms.get(template_id).map_or(0.0, |v| v.pushes)
    }

    /// What was learned of a template, if anything: its value by segment and its pushes in
    /// one hash read ([`Priors::arm_value`] and [`Priors::arm_pushes`] are 0 without it).
    pub fn arm(&self, template_id: &str) -> Option<&ArmValue> {
        self.arms.get(template_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn fit(rows: &[(&str, BTreeMap<String, i64>)]) -> Model {
        let at = Utc.with_ymd_and_hms(2027, 2, 1, 3, 0, 0).unwrap();
        let day = at.date_naive();
        Model::fit(rows.iter().map(|(d, c)| (*d, c)), at, day, day)
    }

    #[test]
    fn no_data_is_the_cold_start() {
        let p = Priors::default();
        assert!(!p.fitted);
        assert_eq!(p.overall, DEFAULT_RATE);
        assert_eq!(p.arm_value("any", Segment::GettingStarted), 0.0);
    }

    #[test]
    fn a_fit_reads_its_dimensions_and_shrinks_toward_parents() {
        let m = fit(&[
            ("all", row(&[("sent", 2000), ("rewarded", 400)])),
            (
                "type_segment#risk_warning#habit_master",
                row(&[("sent", 1000), ("rewarded", 400)]),
            ),
            (
                "type_segment#evening_reflection#habit_master",
                row(&[("sent", 1000), ("rewarded", 0)]),
            ),
            // A segment with little data sits near its type's rate.
            (
                "type_segment#risk_warning#getting_started",
                row(&[("sent", 2), ("rewarded", 0)]),
            ),
            (
                "arm#risk-gentle#habit_master",
                row(&[("w_sent", 500_000), ("w_rewarded", 200_000)]),
            ),
            (
                "rival#risk-gentle#habit_master",
                row(&[("w_sent", 500_000), ("w_rewarded", 100_000)]),
            ),
            (
                "type_segment#no_such_type#habit_master",
                row(&[("sent", 9)]),
            ),
            ("variant#x#a", row(&[("sent", 9)])),
            ("lead#2", row(&[("sent", 1000), ("rewarded", 400)])),
            (
                "n7#0#habit_master",
                row(&[("sent", 1000), ("rewarded", 400)]),
            ),
            (
                "n7#5#habit_master",
                row(&[("sent", 1000), ("rewarded", 100)]),
            ),
            ("lead#-6", row(&[("sent", 1000), ("rewarded", 10)])),
        ]);
        assert_eq!(m.pushes, 2000.0);
        assert_eq!(m.types.len(), 3, "{:?}", m.types);
        let p = Priors::from(&m);
        assert!(p.fitted);
        let risk = p.type_rate(MessageType::RiskWarning, Segment::HabitMaster);
        let evening = p.type_rate(MessageType::EveningReflection, Segment::HabitMaster);
        assert!(
            (risk - 0.4).abs() < 0.01 && evening < 0.01,
            "{risk} {evening}"
        );
        let thin = p.type_rate(MessageType::RiskWarning, Segment::GettingStarted);
        // Two failures move a thin segment only a little below its type's rate.
        assert!(thin > 0.33 && thin < risk, "{thin}");
        let v = p.arm_value("risk-gentle", Segment::HabitMaster);
        assert!((v - 0.2).abs() < 0.01, "{v}");
        assert!(p.arm_value("risk-gentle", Segment::GettingStarted) > 0.15);
        assert!(p.lead_factor(2) > 1.5 && p.lead_factor(-9) < 0.1, "{p:?}");
        assert!((p.lead_factor(4) - 1.0).abs() < 1e-12);
        assert!(
            p.dose_factor(0, Segment::HabitMaster) > 1.3
                && p.dose_factor(14, Segment::HabitMaster) < 0.5,
            "{p:?}"
        );
        assert_eq!(p.dose_factor(3, Segment::GettingStarted), 1.0);
    }

    #[test]
    fn leads_wrap_around_midnight_and_clamp() {
        assert_eq!(lead_bucket(19, 17), 2);
        assert_eq!(lead_bucket(19, 20), -1);
        assert_eq!(lead_bucket(1, 23), 2);
        assert_eq!(lead_bucket(23, 1), -2);
        assert_eq!(lead_bucket(20, 8), MAX_LEAD);
        assert_eq!(lead_bucket(7, 15), -MAX_LEAD);
    }

    #[test]
    fn the_model_round_trips_as_json() {
        let m = fit(&[(
            "arm#t#quality_focused",
            row(&[("w_sent", 1500), ("w_rewarded", 500)]),
        )]);
        let back: Model =
            serde_json::from_str(&serde_json::to_string(&m).expect("json")).expect("model");
        assert_eq!(back, m);
    }
}
