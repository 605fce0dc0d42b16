//! The user model and whole runs: what SIMULATION.md promises, checked on a small population.

// Test code: a failed expectation is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Timelike;
use coach_sim::population::Population;
use coach_sim::world::{natural_draws, Policy};
use coach_sim::{draw_users, model, result, run, simulate_users, RunConfig};
use coaching::app::generation::Generator;
use coaching::domain::messages::MessageStatus;
use serde_json::{json, Value};

const TINY: &str = include_str!("fixtures/tiny.json");

fn tiny(patch: impl Fn(&mut Value)) -> Population {
    let mut v: Value = serde_json::from_str(TINY).expect("fixture");
    if let Some(archetypes) = v["archetypes"].as_array_mut() {
        for a in archetypes {
            patch(a);
        }
    }
    Population::parse(&v.to_string()).expect("valid population")
}

fn cfg(p: &Population) -> RunConfig {
    RunConfig {
        users: p.users,
        days: p.days as usize,
        start: p.start,
    }
}

fn live(p: &Population, policy: Policy, seed: u64) -> Vec<coach_sim::world::SimUser> {
    let c = cfg(p);
    let mut users = draw_users(p, &c, seed);
    simulate_users(&mut users, &c, policy, seed, &Generator::default(), &|| {});
    users
}

#[test]
fn a_user_who_never_would_is_never_active() {
    let p = tiny(|a| {
        a["habit"]["p_base"] = json!(0.0);
        a["response"]["act"] = json!(0.0);
        a["effect"]["boost"] = json!(0.0);
    });
    for policy in [Policy::None, Policy::Fixed, Policy::Rules] {
        let r = run(&p, &cfg(&p), policy, 1, &Generator::default(), &|| {});
        assert_eq!(r.active_days, 0, "{policy:?}");
        assert_eq!(r.acts, 0, "{policy:?}");
    }
    // And pushes did go out: the test would pass vacuously otherwise.
    let r = run(
        &p,
        &cfg(&p),
        Policy::Rules,
        1,
        &Generator::default(),
        &|| {},
    );
    assert!(r.delivered > 0);
}

#[test]
fn pushes_in_the_sleep_window_are_seen_at_its_end() {
    // Asleep 00:00–12:00, no quiet hours, reads everything it sees.
    let p = tiny(|a| {
        a["sleep"] = json!(["00:00", "12:00"]);
        a["prefs"]["quiet_hours"] = Value::Null;
        a["response"]["read"] = json!(1.0);
        a["attention"]["floor"] = json!(1.0);
        a["response"]["act"] = json!(0.0);
        a["optout"]["asleep"] = json!(0.0);
    });
    let users = live(&p, Policy::Rules, 3);
    let mut asleep = 0;
    for u in &users {
        for m in u.messages() {
            let (Some(sent), Some(read)) = (m.delivered_at, m.read_at) else {
                continue;
            };
            let tz = u.params.tz;
            if sent.with_timezone(&tz).hour() < 12 {
                asleep += 1;
                let seen = read.with_timezone(&tz);
                assert_eq!((seen.hour(), seen.minute()), (12, 0), "{}", m.id);
                assert_eq!(
                    seen.date_naive(),
                    sent.with_timezone(&tz).date_naive(),
                    "seen the same morning"
                );
            } else {
                assert_eq!(read, sent, "awake: read when delivered");
            }
        }
    }
    assert!(asleep > 0, "some pushes landed in the sleep window");
}

#[test]
fn opting_out_stops_every_push() {
    let p = tiny(|a| a["optout"]["base"] = json!(1.0));
    let users = live(&p, Policy::Rules, 5);
    let mut opted = 0;
    for u in &users {
        let sent = u
            .messages()
            .iter()
            .filter(|m| m.delivered_at.is_some())
            .count();
        assert!(sent <= 1, "{} got {sent} pushes", u.id);
        if sent == 1 {
            opted += 1;
            assert!(u.opted_out());
            assert!(!u.preferences().coaching_enabled);
            assert!(u
                .messages()
                .iter()
                .any(|m| m.status == MessageStatus::Expired
                    || m.status == MessageStatus::Scheduled
                    || m.delivered_at.is_some()));
        }
    }
    assert!(opted > 0);
}

#[test]
fn natural_days_do_not_depend_on_the_policy() {
    // Draws are a function of (seed, user, day) alone.
    assert_eq!(natural_draws(9, 4, 10), natural_draws(9, 4, 10));
    assert_ne!(natural_draws(9, 4, 10), natural_draws(9, 4, 11));
    assert_ne!(natural_draws(9, 4, 10), natural_draws(10, 4, 10));
    // A population that never acts lives the same days whatever is pushed at it.
    let p = tiny(|a| {
        a["response"]["act"] = json!(0.0);
        a["optout"]["base"] = json!(0.0);
        a["optout"]["asleep"] = json!(0.0);
        a["optout"]["over"] = json!(0.0);
    });
    let days = |policy| -> Vec<Vec<bool>> {
        live(&p, policy, 11)
            .into_iter()
            .map(|u| u.outcome.active)
            .collect()
    };
    let none = days(Policy::None);
    assert!(none.iter().flatten().any(|a| *a));
    assert_eq!(none, days(Policy::Fixed));
    assert_eq!(none, days(Policy::Rules));
}

#[test]
fn a_whole_run_is_deterministic() {
    let p = tiny(|_| {});
    let c = cfg(&p);
    let g = Generator::default();
    for policy in [Policy::Fixed, Policy::Learned] {
        let a = run(&p, &c, policy, 21, &g, &|| {});
        let b = run(&p, &c, policy, 21, &g, &|| {});
        assert_eq!(a, b, "{policy:?}");
        assert!(a.delivered > 0);
    }
    let mut users = draw_users(&p, &c, 21);
    simulate_users(&mut users, &c, Policy::Rules, 21, &g, &|| {});
    let r = result(&users, &c, Policy::Rules, 21);
    assert!(r.active_days > 0 && r.reads > 0);
}

#[test]
fn formulas_follow_the_model() {
    let p = tiny(|a| {
        a["attention"]["hour"] = json!(20.0);
        a["attention"]["sd"] = json!(2.0);
        a["attention"]["floor"] = json!(0.2);
    });
    let u = &draw_users(&p, &cfg(&p), 1)[0].params;
    // Attention peaks at its hour and wraps around midnight.
    assert!((model::attention(u, 20.0) - 1.0).abs() < 1e-12);
    assert!((model::attention(u, 22.0) - model::attention(u, 18.0)).abs() < 1e-12);
    assert!((model::attention(u, 1.0) - model::attention(u, 15.0)).abs() < 1e-12);
    // The lead table: first match wins, no match is 1.
    assert_eq!(model::lead(u, 1.0), 1.4);
    assert_eq!(model::lead(u, -2.0), 0.7);
    assert_eq!(model::lead(u, 30.0), 1.0);
    // Opt-out grows with pushes over tolerance.
    assert!(model::optout_chance(u, false, 15) > model::optout_chance(u, false, 5));
    assert!(model::optout_chance(u, true, 0) > model::optout_chance(u, false, 0));
}

#[test]
fn the_product_sees_the_reward_the_user_model_gives() {
    let p = tiny(|_| {});
    for policy in [Policy::Fixed, Policy::Rules] {
        let users = live(&p, policy, 13);
        let mut total = 0;
        for u in &users {
            let product = u
                .messages()
                .iter()
                .filter(|m| m.rewarded_at.is_some())
                .count() as u64;
            assert_eq!(product, u.outcome.rewarded, "{} under {policy:?}", u.id);
            total += product;
        }
        assert!(total > 0, "{policy:?} rewarded some pushes");
    }
}
