//! A/B experiments: a stable hash of (experiment, user) puts each user in one variant of each
//! running experiment, the same one on every run and every machine. Each variant is judged
//! against the control on the reward (the habit within two hours of the push) with an
//! always-valid sequential test, so an experiment may be looked at every day and stop itself
//! without the peeking problem.
//!
//! The test is the mixture sequential probability ratio test for a difference of two rates
//! (Johari, Pekelis & Walsh, "Always valid inference", 2017), with a normal mixing
//! distribution of standard deviation [`MIXING_SD`] over the difference: its likelihood ratio
//! Λ is a martingale under "no difference", so by Ville's inequality it ever reaches 1/α with
//! probability at most α, however often it is checked. The always-valid p-value is 1/Λ.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rng::stable_unit;
use super::templates::{is_valid_id, Template};
use crate::domain::preferences::FieldError;

/// Significance level of the sequential test.
pub const ALPHA: f64 = 0.05;
/// Standard deviation of the mixing distribution over the reward-rate difference: the size of
/// effect the test is most sensitive to.
pub const MIXING_SD: f64 = 0.05;
/// Pushes each side needs before the test may stop an experiment (the normal approximation).
pub const MIN_PUSHES: u64 = 100;

/// An experiment over the variants of one template.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Experiment {
    pub id: String,
    pub template_id: String,
    /// (variant id, weight); weights need not sum to 1.
    pub variants: Vec<(String, f64)>,
    pub running: bool,
    /// The variant the others are compared with (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<String>,
    /// Stop by itself once the sequential test decides (default true).
    #[serde(default = "yes")]
    pub auto_stop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// The variant that won, once stopped by the test (or named by the admin who stopped it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub winner: Option<String>,
}

fn yes() -> bool {
    true
}

impl Experiment {
    /// The control variant's id.
    pub fn control(&self) -> Option<&str> {
        self.control
            .as_deref()
            .or_else(|| self.variants.first().map(|(id, _)| id.as_str()))
    }

    /// Every rule an experiment must meet to be created, by field, against its template
    /// (`None`: no such template).
    pub fn validate(&self, template: Option<&Template>) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !is_valid_id(&self.id) {
            errors.push(FieldError::new("id", "1–64 characters of a-z, 0-9 and -"));
        }
        match template {
            None => errors.push(FieldError::new("template_id", "no such template")),
            Some(t) => {
                for (i, (v, _)) in self.variants.iter().enumerate() {
                    if !t.variants.iter().any(|x| &x.id == v) {
                        errors.push(FieldError::new(
                            format!("variants[{i}]"),
                            format!("the template has no variant {v:?}"),
                        ));
                    }
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        if self.variants.len() < 2 || !self.variants.iter().all(|(v, _)| seen.insert(v)) {
            errors.push(FieldError::new(
                "variants",
                "at least two distinct variants",
            ));
        }
        if self
            .variants
            .iter()
            .any(|(_, w)| !w.is_finite() || *w < 0.0)
            || self.variants.iter().map(|(_, w)| w).sum::<f64>() <= 0.0
        {
            errors.push(FieldError::new(
                "variants",
                "weights are finite, ≥ 0, and not all 0",
            ));
        }
        if let Some(c) = &self.control {
            if !self.variants.iter().any(|(v, _)| v == c) {
                errors.push(FieldError::new("control", "not one of the variants"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl Experiment {
    /// This experiment stopped at `at`, with `winner` if one is named.
    pub fn stopped(&self, winner: Option<String>, at: DateTime<Utc>) -> Experiment {
        Experiment {
            running: false,
            stopped_at: Some(at),
            winner,
            ..self.clone()
        }
    }

    /// An admin's stop: the stopped experiment, `Ok(None)` if it already stopped (that stop
    /// stands), or the error when `winner` is not one of its variants.
    pub fn stop_by_admin(
        &self,
        winner: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Option<Experiment>, FieldError> {
        if let Some(w) = &winner {
            if !self.variants.iter().any(|(v, _)| v == w) {
                return Err(FieldError::new(
                    "winner",
                    "not one of the experiment's variants",
                ));
            }
        }
        Ok(self.running.then(|| self.stopped(winner, at)))
    }

    /// The experiment as the daily check leaves it: stopped with its winner when it stops by
    /// itself and the sequential test has decided; `None` to leave it running.
    pub fn check(&self, results: &[VariantResult], at: DateTime<Utc>) -> Option<Experiment> {
        if !self.running || !self.auto_stop {
            return None;
        }
        verdict(results).map(|w| self.stopped(Some(w), at))
    }
}

/// Pushes and rewards of one variant.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VariantCounts {
    pub sent: u64,
    pub rewarded: u64,
}

impl VariantCounts {
    fn rate(self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            self.rewarded as f64 / self.sent as f64
        }
    }
}

/// A variant against the control.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct VersusControl {
    /// Reward rate minus the control's.
    pub difference: f64,
    /// 95 % confidence interval of the difference (normal approximation, fixed-sample).
    pub low: f64,
    pub high: f64,
    /// The mixture likelihood ratio Λ of the sequential test.
    pub likelihood_ratio: f64,
    /// 1/Λ (at most 1): valid however often it was looked at.
    pub always_valid_p: f64,
}

/// One variant's figures.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct VariantResult {
    pub variant: String,
    pub sent: u64,
    pub rewarded: u64,
    pub reward_rate: f64,
    /// Absent for the control itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versus_control: Option<VersusControl>,
}

/// Each variant's figures against the control, from the counts per variant.
pub fn results(e: &Experiment, counts: &BTreeMap<String, VariantCounts>) -> Vec<VariantResult> {
    let control = e.control().unwrap_or_default();
    let c = counts.get(control).copied().unwrap_or_default();
    e.variants
        .iter()
        .map(|(id, _)| {
            let v = counts.get(id).copied().unwrap_or_default();
            VariantResult {
                variant: id.clone(),
                sent: v.sent,
                rewarded: v.rewarded,
                reward_rate: v.rate(),
                versus_control: (id != control).then(|| versus(v, c)),
            }
        })
        .collect()
}

fn versus(v: VariantCounts, c: VariantCounts) -> VersusControl {
    let difference = v.rate() - c.rate();
    // The variance of the difference, kept off zero so a rate of 0 or 1 stays finite.
    let var = |x: VariantCounts| {
        let p = x.rate().clamp(
            0.5 / (x.sent.max(1) as f64),
            1.0 - 0.5 / (x.sent.max(1) as f64),
        );
        p * (1.0 - p) / x.sent.max(1) as f64
    };
    let v_diff = var(v) + var(c);
    let se = v_diff.sqrt();
    let tau2 = MIXING_SD * MIXING_SD;
    let likelihood_ratio = if v.sent == 0 || c.sent == 0 {
        1.0
    } else {
        (v_diff / (v_diff + tau2)).sqrt()
            * (difference * difference * tau2 / (2.0 * v_diff * (v_diff + tau2))).exp()
    };
    VersusControl {
        difference,
        low: difference - 1.96 * se,
        high: difference + 1.96 * se,
        likelihood_ratio,
        always_valid_p: (1.0 / likelihood_ratio).min(1.0),
    }
}

/// The sequential test's decision: the winning variant once some variant differs from the
/// control at level [`ALPHA`] (each side with at least [`MIN_PUSHES`] pushes) — the best reward
/// rate among the control and the variants that differ from it — or `None` to go on.
pub fn verdict(results: &[VariantResult]) -> Option<String> {
    let control = results.iter().find(|r| r.versus_control.is_none())?;
    if control.sent < MIN_PUSHES {
        return None;
    }
    let decided: Vec<&VariantResult> = results
        .iter()
        .filter(|r| {
            r.sent >= MIN_PUSHES
                && r.versus_control
                    .as_ref()
                    .is_some_and(|x| x.likelihood_ratio >= 1.0 / ALPHA)
        })
        .collect();
    if decided.is_empty() {
        return None;
    }
    std::iter::once(control)
        .chain(decided)
        .fold(None::<&VariantResult>, |best, r| match best {
            Some(b) if b.reward_rate >= r.reward_rate => Some(b),
            _ => Some(r),
        })
        .map(|r| r.variant.clone())
}

/// The variant of `experiment` that `user_id` sees, if it is running and has variants.
pub fn assign<'a>(experiment: &'a Experiment, user_id: &str) -> Option<&'a str> {
    if !experiment.running {
        return None;
    }
    let total: f64 = experiment.variants.iter().map(|(_, w)| w.max(0.0)).sum();
    if total <= 0.0 {
        return None;
    }
    let mut point = stable_unit(&[&experiment.id, user_id]) * total;
    for (id, w) in &experiment.variants {
        let w = w.max(0.0);
        if point < w {
            return Some(id);
        }
        point -= w;
    }
    experiment
        .variants
        .iter()
        .rev()
        .find(|(_, w)| *w > 0.0)
        .map(|(id, _)| id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(weights: &[f64]) -> Experiment {
        Experiment {
            id: "exp-1".into(),
            template_id: "t".into(),
            variants: weights
                .iter()
                .enumerate()
                .map(|(i, w)| (format!("v{i}"), *w))
                .collect(),
            running: true,
            control: None,
            auto_stop: true,
            created_at: None,
            stopped_at: None,
            winner: None,
        }
    }

    /// Daily looks at an experiment whose variants' true rates are `rates`, 400 pushes a day
    /// each for 30 days: the first day the test stops it, and its winner.
    fn run(rates: [f64; 2], seed: u64) -> Option<(usize, String)> {
        let e = exp(&[1.0, 1.0]);
        let mut rng = crate::engine::rng::Rng::new(seed);
        let mut counts: BTreeMap<String, VariantCounts> = BTreeMap::new();
        for day in 0..30 {
            for (i, rate) in rates.iter().enumerate() {
                let c = counts.entry(format!("v{i}")).or_default();
                for _ in 0..400 {
                    c.sent += 1;
                    c.rewarded += u64::from(rng.next_f64() < *rate);
                }
            }
            if let Some(w) = verdict(&results(&e, &counts)) {
                return Some((day, w));
            }
        }
        None
    }

    #[test]
    fn peeking_every_day_keeps_false_stops_rare() {
        let false_stops = (0..200).filter(|s| run([0.2, 0.2], *s).is_some()).count();
        assert!(false_stops <= 14, "{false_stops} of 200 A/A runs stopped");
    }

    #[test]
    fn a_real_difference_stops_with_the_right_winner() {
        let mut stopped = 0;
        for seed in 0..50 {
            if let Some((_, w)) = run([0.2, 0.26], seed) {
                assert_eq!(w, "v1");
                stopped += 1;
            }
        }
        assert!(stopped >= 45, "{stopped} of 50");
    }

    #[test]
    fn intervals_and_validation() {
        let e = exp(&[1.0, 1.0]);
        let counts = BTreeMap::from([
            (
                "v0".to_owned(),
                VariantCounts {
                    sent: 1000,
                    rewarded: 200,
                },
            ),
            (
                "v1".to_owned(),
                VariantCounts {
                    sent: 1000,
                    rewarded: 300,
                },
            ),
        ]);
        let r = results(&e, &counts);
        let x = r[1].versus_control.as_ref().expect("compared");
        assert!((x.difference - 0.1).abs() < 1e-12);
        assert!(x.low > 0.05 && x.high < 0.15, "{x:?}");
        assert!(x.always_valid_p < 0.001);
        assert!(r[0].versus_control.is_none());
        // Validation names each field.
        let mut bad = exp(&[1.0, -1.0]);
        bad.id = "Bad".into();
        bad.control = Some("zz".into());
        let fields: Vec<String> = bad
            .validate(None)
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["id", "template_id", "variants", "control"]);
        // An admin's stop names a real winner and stops once.
        let now = Utc::now();
        assert!(e.stop_by_admin(Some("zz".into()), now).is_err());
        let stopped = e
            .stop_by_admin(Some("v1".into()), now)
            .expect("valid")
            .expect("was running");
        assert!(!stopped.running && stopped.winner.as_deref() == Some("v1"));
        assert_eq!(stopped.stop_by_admin(None, now), Ok(None));
    }

    #[test]
    fn stable_and_balanced() {
        let e = exp(&[1.0, 1.0]);
        let mut counts = [0usize; 2];
        for u in 0..10_000 {
            let user = format!("user-{u}");
            let v = assign(&e, &user).expect("assigned");
            assert_eq!(assign(&e, &user), Some(v));
            counts[usize::from(v == "v1")] += 1;
        }
        assert!(
            counts.iter().all(|c| (4_700..=5_300).contains(c)),
            "{counts:?}"
        );
    }

    #[test]
    fn weights_and_stopped_experiments() {
        let e = exp(&[0.0, 1.0]);
        assert_eq!(assign(&e, "anyone"), Some("v1"));
        let mut stopped = exp(&[1.0]);
        stopped.running = false;
        assert_eq!(assign(&stopped, "anyone"), None);
        assert_eq!(assign(&exp(&[]), "anyone"), None);
    }
}
