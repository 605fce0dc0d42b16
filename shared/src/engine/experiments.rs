//! A/B experiments: a stable hash of (experiment, user) puts each user in one variant of each
//! running experiment, the same one on every run and every machine.

use serde::{Deserialize, Serialize};

use super::rng::stable_unit;

/// An experiment over the variants of one template.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Experiment {
    pub id: String,
    pub template_id: String,
    /// (variant id, weight); weights need not sum to 1.
    pub variants: Vec<(String, f64)>,
    pub running: bool,
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
        }
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
