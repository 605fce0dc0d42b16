//! The template (and so tone) of a message as a bandit over the eligible ("sleeping") arms.
//!
//! Each eligible template is an arm. Its score is what the population taught
//! ([`Priors::arm_value`]: reward when chosen minus reward when eligible but not chosen, per
//! segment, shrunk toward the template's overall value), plus this user's own response to the
//! template's tone (their reward rate with that tone minus their overall rate, shrunk with
//! [`USER_STRENGTH`] pseudo-pushes), plus the learned effect of having seen the template
//! recently (minus [`recency_penalty`]), plus a bonus for the rules' tone that fades as the
//! template gathers data (so a cold start behaves like the rules: [`RULE_SHARE`] of its
//! choices, however many tones are eligible). Arms are drawn by a
//! softmax of the scores at temperature [`TEMPERATURE`], mixed with a permanent uniform
//! holdout of [`HOLDOUT`]: every eligible arm keeps a chance, the probability of every arm is
//! known exactly, and the holdout's messages are marked, so the policy can be evaluated
//! without bias. A preferred tone is honoured whenever an eligible template has it.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::experiments::Experiment;
use super::learned::{Priors, POPULATION_STRENGTH};
use super::rng::Rng;
use super::templates::{
    choose_variant, eligible, Catalogue, Choice, LastUse, StatsMap, TargetContext,
};
use crate::domain::messages::{ArmChance, Selection};
use crate::domain::preferences::{MessageType, Tone};

/// Share of choices made uniformly at random among the eligible arms.
pub const HOLDOUT: f64 = 0.05;
/// Softmax temperature, in reward-rate units: an arm 0.02 better is e times as likely.
pub const TEMPERATURE: f64 = 0.02;
/// Share of the (non-holdout) choices the rules' tone has at a cold start: its score bonus is
/// sized to the number of other eligible arms, and fades as the template's data grows.
pub const RULE_SHARE: f64 = 0.7;
/// Recency penalty of an arm the user saw `d` days ago: `RECENCY_PENALTY · 0.5^(d / RECENCY_HALF_LIFE_DAYS)`
/// (the form of Duolingo's RDS; a novelty preference, not fitted).
pub const RECENCY_PENALTY: f64 = 0.05;
/// Half-life of the recency penalty, in days.
pub const RECENCY_HALF_LIFE_DAYS: f64 = 14.0;
/// Pseudo-pushes a user's tone effect is shrunk toward 0 with.
pub const USER_STRENGTH: f64 = 6.0;

impl Selection {
    /// The probability the policy gave `template_id` (0 if it was not eligible).
    pub fn p(&self, template_id: &str) -> f64 {
        self.arms
            .iter()
            .find(|a| *a.template_id == *template_id)
            .map_or(0.0, |a| a.p)
    }
}

/// What the bandit reads besides the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct BanditInput<'a> {
    pub ty: MessageType,
    pub preferred: Option<Tone>,
    /// The rules' tone for this message (`engine::tone`).
    pub rule_tone: Tone,
    pub ctx: &'a TargetContext,
    /// When each template last reached the user ([`Catalogue::last_uses`]).
    pub last_use: &'a LastUse,
    pub planned_templates: &'a [&'a str],
    pub priors: &'a Priors,
    /// This user's reward change per tone (index in `Tone::ALL`), see [`tone_effects`].
    pub tone_effects: &'a [f64; 8],
    pub experiments: &'a [Experiment],
    pub stats: &'a StatsMap,
    pub user_id: &'a str,
    pub now: DateTime<Utc>,
    /// The push's lead and its week's pushes before it (recorded as features).
    pub lead: Option<i32>,
    pub n7: Option<u32>,
}

fn tone_index(t: Tone) -> usize {
    Tone::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

/// This user's reward change per tone (index in `Tone::ALL`): from their judged pushes
/// (`rewards`, as (tone, reward)), each tone's rate shrunk toward the user's overall rate with
/// [`USER_STRENGTH`] pseudo-pushes, minus that rate.
pub fn tone_effects(rewards: impl Iterator<Item = (Tone, f64)>) -> [f64; 8] {
    let mut by_tone = [(0.0, 0.0); 8];
    let (mut n, mut r) = (0.0, 0.0);
    for (tone, reward) in rewards {
        let e = &mut by_tone[tone_index(tone)];
        e.0 += 1.0;
        e.1 += reward;
        n += 1.0;
        r += reward;
    }
    let mut out = [0.0; 8];
    if n == 0.0 {
        return out;
    }
    let rate = r / n;
    for (o, (tn, tr)) in out.iter_mut().zip(by_tone) {
        *o = (tr + USER_STRENGTH * rate) / (tn + USER_STRENGTH) - rate;
    }
    out
}

/// Chooses the template and variant of a message (see the module doc), or `None` when no
/// template is eligible.
pub fn choose<'a>(
    catalogue: &'a Catalogue,
    input: &BanditInput<'_>,
    rng: &mut Rng,
) -> Option<(Choice<'a>, Selection)> {
    let mut arms = eligible(
        catalogue,
        input.ty,
        input.ctx,
        input.last_use,
        input.planned_templates,
        input.now,
    );
    let wanted = input.preferred.filter(|t| *t != Tone::Urgent);
    if let Some(t) = wanted.filter(|t| arms.iter().any(|a| a.template.tone == *t)) {
        arms.retain(|a| a.template.tone == t);
    }
    if arms.is_empty() {
        return None;
    }
    let seen_days = |last_used: Option<DateTime<Utc>>| {
        last_used.map(|at| (input.now - at).num_days().max(0) as u32)
    };
    let segment = input.ctx.segment;
    // exp(bonus / T) = odds · others: the rules' arm against all the others at a cold start.
    let others = arms
        .iter()
        .filter(|a| a.template.tone != input.rule_tone)
        .count();
    let rule_bonus = TEMPERATURE
        * (RULE_SHARE / (1.0 - RULE_SHARE) * others as f64)
            .ln()
            .max(0.0);
    let mut softmax: Vec<f64> = arms
        .iter()
        .map(|e| {
            let a = e.template;
            let learned = input.priors.arm(&a.id);
            let pushes = learned.map_or(0.0, |v| v.pushes);
            let value = learned.map_or(0.0, |v| v.by_segment[segment as usize]);
            let fade = POPULATION_STRENGTH / (POPULATION_STRENGTH + pushes);
            let bonus = if a.tone == input.rule_tone {
                rule_bonus * fade
            } else {
                0.0
            };
            value + input.tone_effects[tone_index(a.tone)] - recency_penalty(seen_days(e.last_used))
                + bonus
        })
        .collect();
    // The scores become their softmax in place.
    softmax_in_place(&mut softmax);
    let holdout = rng.next_f64() < HOLDOUT;
    let pick = if holdout {
        (rng.next_u64() % arms.len() as u64) as usize
    } else {
        // A draw from the softmax part alone.
        let mut u = rng.next_f64();
        let mut i = 0;
        while i + 1 < softmax.len() && u >= softmax[i] {
            u -= softmax[i];
            i += 1;
        }
        i
    };
    let picked = arms[pick];
    let template = picked.template;
    let choice = choose_variant(template, input.experiments, input.stats, input.user_id, rng);
    let selection = Selection {
        arms: arms
            .iter()
            .zip(&softmax)
            .map(|(a, p)| ArmChance {
                template_id: Arc::clone(a.id),
                p: mixed(*p, arms.len()),
            })
            .collect(),
        holdout,
        variant_p: choice.variant_p,
        seen_days: seen_days(picked.last_used),
        lead: input.lead,
        n7: input.n7,
    };
    Some((choice, selection))
}

/// The score an arm loses for having reached the user `days` days ago (`None`: never).
pub fn recency_penalty(days: Option<u32>) -> f64 {
    days.map_or(0.0, |d| {
        RECENCY_PENALTY * 0.5f64.powf(f64::from(d) / RECENCY_HALF_LIFE_DAYS)
    })
}

/// Turns scores into their softmax at [`TEMPERATURE`].
fn softmax_in_place(scores: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for s in scores.iter_mut() {
        *s = ((*s - max) / TEMPERATURE).exp();
    }
    let total: f64 = scores.iter().sum();
    for s in scores.iter_mut() {
        *s /= total;
    }
}

/// Each arm's probability under the whole policy: the softmax mixed with the uniform holdout.
pub fn probabilities(scores: &[f64]) -> Vec<f64> {
    let mut p = scores.to_vec();
    softmax_in_place(&mut p);
    let n = p.len();
    for x in p.iter_mut() {
        *x = mixed(*x, n);
    }
    p
}

/// An arm's probability under the whole policy from its softmax probability `p` among `n`
/// arms: mixed with the uniform holdout.
fn mixed(p: f64, n: usize) -> f64 {
    let uniform = 1.0 / n as f64;
    (1.0 - HOLDOUT) * p + HOLDOUT * uniform
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::messages::MessageStatus;
    use crate::domain::user::Segment;
    use crate::engine::catalogue::default_templates;
    use crate::engine::history::HistoryEntry;
    use crate::engine::learned::{ArmFit, Model, Tally};
    use crate::engine::risk::RiskLevel;
    use crate::engine::templates::TimeOfDay;
    use chrono::TimeZone;
    use proptest::prelude::{prop_assert, proptest};

    fn ctx() -> TargetContext {
        TargetContext {
            segment: Segment::ConsistencyBuilder,
            streak: 5,
            risk: Some(RiskLevel::Medium),
            time_of_day: TimeOfDay::Evening,
            premium: false,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 2, 1, 18, 0, 0).unwrap()
    }

    /// Share of `n` choices of a risk warning that went to each template, under `priors`.
    fn shares(priors: &Priors, preferred: Option<Tone>, n: u64) -> Vec<(String, f64)> {
        let catalogue = Catalogue::new(default_templates());
        let ctx = ctx();
        let effects = [0.0; 8];
        let input = BanditInput {
            ty: MessageType::RiskWarning,
            preferred,
            rule_tone: Tone::Motivational,
            ctx: &ctx,
            last_use: &catalogue.last_uses(&[]),
            planned_templates: &[],
            priors,
            tone_effects: &effects,
            experiments: &[],
            stats: &StatsMap::default(),
            user_id: "u",
            now: now(),
            lead: None,
            n7: None,
        };
        let mut counts: std::collections::BTreeMap<String, f64> = Default::default();
        let mut holdouts = 0.0;
        for seed in 0..n {
            let (c, s) = choose(&catalogue, &input, &mut Rng::new(seed)).expect("eligible");
            *counts.entry(c.template.id.clone()).or_default() += 1.0 / n as f64;
            if s.holdout {
                holdouts += 1.0 / n as f64;
            }
        }
        counts.insert("holdout".into(), holdouts);
        counts.into_iter().collect()
    }

    fn share(shares: &[(String, f64)], id: &str) -> f64 {
        shares.iter().find(|(k, _)| k == id).map_or(0.0, |x| x.1)
    }

    fn priors_favouring(template: &str, pushes: f64) -> Priors {
        let arm = |id: &str, good: bool| ArmFit {
            template_id: id.into(),
            segment: Segment::ConsistencyBuilder,
            chosen: Tally {
                pushes,
                rewarded: pushes * if good { 0.4 } else { 0.2 },
            },
            rival: Tally {
                pushes,
                rewarded: pushes * if good { 0.2 } else { 0.25 },
            },
        };
        let ids = ["risk-gentle", "risk-motivational", "risk-supportive"];
        Priors::from(&Model {
            pushes: pushes * 3.0,
            arms: ids.iter().map(|id| arm(id, *id == template)).collect(),
            ..Model::default()
        })
    }

    #[test]
    fn a_cold_start_leans_to_the_rules_tone_and_tries_the_rest() {
        let s = shares(&Priors::default(), None, 4000);
        let rule = share(&s, "risk-motivational");
        assert!(rule > 0.6, "{s:?}");
        assert!(share(&s, "risk-gentle") > 0.05, "{s:?}");
    }

    #[test]
    fn the_known_best_arm_takes_a_rising_share() {
        let mut last = share(&shares(&Priors::default(), None, 3000), "risk-supportive");
        for pushes in [2.0, 5.0, 20.0] {
            let now = share(
                &shares(&priors_favouring("risk-supportive", pushes), None, 3000),
                "risk-supportive",
            );
            assert!(now > last, "{pushes}: {now} after {last}");
            last = now;
        }
        assert!(last > 0.9, "{last}");
    }

    #[test]
    fn the_holdout_stays_near_five_percent_and_the_preferred_tone_wins() {
        let s = shares(&priors_favouring("risk-supportive", 2000.0), None, 8000);
        let h = share(&s, "holdout");
        assert!((0.04..0.06).contains(&h), "{h}");
        let s = shares(
            &priors_favouring("risk-supportive", 2000.0),
            Some(Tone::Gentle),
            500,
        );
        assert!((share(&s, "risk-gentle") - 1.0).abs() < 1e-9, "{s:?}");
    }

    #[test]
    fn a_recent_template_is_penalised() {
        assert_eq!(recency_penalty(None), 0.0);
        assert!((recency_penalty(Some(0)) - RECENCY_PENALTY).abs() < 1e-12);
        assert!((recency_penalty(Some(14)) - RECENCY_PENALTY / 2.0).abs() < 1e-12);
        let catalogue = Catalogue::new(default_templates());
        let ctx = ctx();
        let seen = HistoryEntry {
            message_id: "m".into(),
            occurrence: "o".into(),
            message_type: MessageType::RiskWarning,
            template_id: "risk-motivational".into(),
            variant_id: "a".into(),
            tone: Tone::Motivational,
            send_at: now() - chrono::Duration::days(8),
            status: MessageStatus::Sent,
            read_at: None,
            acted_at: None,
            rewarded: false,
            delivered_at: None,
        };
        let effects = [0.0; 8];
        let priors = Priors::default();
        let p_of = |history: &[HistoryEntry]| {
            let input = BanditInput {
                ty: MessageType::RiskWarning,
                preferred: None,
                rule_tone: Tone::Motivational,
                ctx: &ctx,
                last_use: &catalogue.last_uses(history),
                planned_templates: &[],
                priors: &priors,
                tone_effects: &effects,
                experiments: &[],
                stats: &StatsMap::default(),
                user_id: "u",
                now: now(),
                lead: None,
                n7: None,
            };
            let (_, s) = choose(&catalogue, &input, &mut Rng::new(1)).expect("eligible");
            (s.p("risk-motivational"), s.seen_days)
        };
        let (fresh, _) = p_of(&[]);
        let (recent, _) = p_of(std::slice::from_ref(&seen));
        assert!(recent < fresh, "{recent} vs {fresh}");
    }

    #[test]
    fn a_users_tone_effect_follows_their_rewards() {
        let rewards = (0..20).map(|i| {
            if i % 2 == 0 {
                (Tone::Gentle, 1.0)
            } else {
                (Tone::Urgent, 0.0)
            }
        });
        let e = tone_effects(rewards);
        assert!(e[tone_index(Tone::Gentle)] > 0.2);
        assert!(e[tone_index(Tone::Urgent)] < -0.2);
        assert_eq!(e[tone_index(Tone::Wise)], 0.0);
        assert_eq!(tone_effects(std::iter::empty()), [0.0; 8]);
    }

    proptest! {
        /// Propensities are in (0, 1] and sum to 1 over the eligible arms.
        #[test]
        fn propensities_are_a_distribution(scores in proptest::collection::vec(-1.0f64..1.0, 1..12)) {
            let p = probabilities(&scores);
            prop_assert!(p.iter().all(|x| *x > 0.0 && *x <= 1.0), "{p:?}");
            prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
