//! Users planned per second on one core: realistic summaries (up to 120 days of activity, two
//! values), a recent history, the full default catalogue with variant statistics and a running
//! experiment. Prints its figures; run with `cargo bench -p coaching --bench plan`.
//!
//! `plan --plans N` only plans N users (no timing, no output): `infra/bench/instructions.sh`
//! runs it under callgrind for two N and divides the difference, so the instructions per plan
//! leave out the set-up and do not move with a loaded machine.
//!
//! `plan --digest N` prints a SHA-256 of the N plans as JSON: an optimisation of the engine
//! must leave it unchanged (same messages, texts, times and reasons).

// Test code: a failed expectation is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use coaching::domain::events::ActivityEvent;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::{MessageType, Preferences, Timezone, Tone};
use coaching::engine::catalogue::default_templates;
use coaching::engine::experiments::Experiment;
use coaching::engine::history::HistoryEntry;
use coaching::engine::learned::Priors;
use coaching::engine::rng::Rng;
use coaching::engine::state::Population;
use coaching::engine::summary::BehaviourSummary;
use coaching::engine::templates::{Catalogue, StatsMap, VariantStats};
use coaching::engine::{plan, PlanInput};

const ZONES: [&str; 5] = [
    "Europe/Madrid",
    "America/New_York",
    "Asia/Kolkata",
    "UTC",
    "America/Sao_Paulo",
];

struct User {
    id: String,
    prefs: Preferences,
    summary: BehaviourSummary,
    history: Vec<HistoryEntry>,
}

fn user(i: usize, now: DateTime<Utc>, rng: &mut Rng) -> User {
    let zone = ZONES[i % ZONES.len()];
    let tz: Tz = zone.parse().expect("tz");
    let prefs = Preferences {
        timezone: Timezone(tz),
        personalization_consent: i % 3 != 0,
        language: if i % 4 == 0 { "es".into() } else { "en".into() },
        custom_motivations: vec!["For my kids".into(), "Sleep better".into()],
        ..Preferences::default()
    };
    let mut summary = BehaviourSummary::default();
    let days = 20 + (i % 100) as i64;
    let p_active = 0.5 + (i % 5) as f64 * 0.1;
    for d in 0..days {
        if rng.next_f64() < p_active {
            let t =
                now - Duration::days(days - d) + Duration::minutes((rng.next_u64() % 600) as i64);
            summary.apply(
                &ActivityEvent {
                    activity_id: format!("{i}-{d}"),
                    user_id: format!("user-{i}"),
                    value_id: if d % 3 == 0 {
                        "family".into()
                    } else {
                        "health".into()
                    },
                    value_name: None,
                    minutes: 10 + (rng.next_u64() % 40) as u32,
                    occurred_at: t,
                },
                tz,
            );
        }
    }
    // Twenty earlier messages, one every three days: within the caps, as a steady user has.
    let history = (0..20)
        .map(|k| HistoryEntry {
            message_id: format!("h{k}"),
            occurrence: format!("past:{k}"),
            message_type: MessageType::ALL[k % 20],
            template_id: "wisdom-identity".into(),
            variant_id: "a".into(),
            tone: Tone::Wise,
            send_at: now - Duration::hours(20 + 72 * k as i64),
            status: MessageStatus::Read,
            read_at: Some(now - Duration::hours(19 + 72 * k as i64)),
            acted_at: None,
            rewarded: k % 3 == 0,
            delivered_at: None,
        })
        .collect();
    User {
        id: format!("user-{i}"),
        prefs,
        summary,
        history,
    }
}

fn main() {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 24, 16, 0, 0)
        .single()
        .expect("time");
    let templates = default_templates();
    let mut stats = StatsMap::default();
    for t in &templates {
        for v in &t.variants {
            stats.entry(t.id.clone()).or_default().insert(
                v.id.clone(),
                VariantStats {
                    sent: 1000,
                    read: 700,
                    acted: 400,
                },
            );
        }
    }
    let catalogue = Catalogue::new(templates);
    let experiments = vec![Experiment {
        id: "milestone-copy".into(),
        template_id: "milestone-early".into(),
        variants: vec![("a".into(), 1.0), ("b".into(), 1.0)],
        running: true,
        control: None,
        auto_stop: true,
        created_at: None,
        stopped_at: None,
        winner: None,
    }];
    let population = Population::default();
    let priors = Priors::default();
    let mut rng = Rng::new(42);
    let users: Vec<User> = (0..256).map(|i| user(i, now, &mut rng)).collect();

    let plan_for = |u: &User, r: usize, k: usize| {
        plan(black_box(&PlanInput {
            user_id: &u.id,
            display_name: Some("Ana"),
            premium: k % 7 == 0,
            preferences: &u.prefs,
            summary: &u.summary,
            history: &u.history,
            catalogue: &catalogue,
            stats: &stats,
            experiments: &experiments,
            population: &population,
            priors: &priors,
            learning: true,
            now: now + Duration::minutes((r * 37 % 600) as i64),
            seed: r as u64,
        }))
    };
    let plan_one = |r: usize, k: usize| plan_for(&users[k], r, k);
    let args: Vec<String> = std::env::args().collect();
    if let Some(n) = args
        .iter()
        .position(|a| a == "--plans")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
    {
        let mut messages = 0;
        for i in 0..n {
            messages += plan_one(i / users.len(), i % users.len()).messages.len();
        }
        black_box(messages);
        return;
    }
    if let Some(n) = args
        .iter()
        .position(|a| a == "--digest")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse::<usize>().ok())
    {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for i in 0..n {
            let plan = plan_one(i / users.len(), i % users.len());
            h.update(serde_json::to_vec(&plan).expect("a plan serialises"));
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        println!("plans digest ({n} plans): {hex}");
        return;
    }
    let run = |rounds: usize| {
        let mut messages = 0usize;
        let start = Instant::now();
        for r in 0..rounds {
            for k in 0..users.len() {
                messages += plan_one(r, k).messages.len();
            }
        }
        (start.elapsed(), rounds * users.len(), messages)
    };
    run(20); // warm up
    let (elapsed, planned, messages) = run(400);
    let per_sec = planned as f64 / elapsed.as_secs_f64();
    println!(
        "engine plan benchmark (one core, {} distinct users, full catalogue of {} templates)",
        users.len(),
        catalogue.templates().len()
    );
    println!("  users planned:      {planned}");
    println!("  elapsed:            {:.3} s", elapsed.as_secs_f64());
    println!("  users per second:   {per_sec:.0}");
    println!("  µs per user:        {:.2}", 1e6 / per_sec);
    println!(
        "  messages per user:  {:.2}",
        messages as f64 / planned as f64
    );
    // The same users once their plan is stored (what most generation runs and most simulated
    // hours meet): every trigger is already planned.
    let settled: Vec<User> = users
        .iter()
        .enumerate()
        .map(|(k, u)| {
            let mut history = u.history.clone();
            history.extend(
                plan_for(u, 0, k)
                    .messages
                    .iter()
                    .map(|m| HistoryEntry::of(&m.scheduled(now))),
            );
            User {
                id: u.id.clone(),
                prefs: u.prefs.clone(),
                summary: u.summary.clone(),
                history,
            }
        })
        .collect();
    let start = Instant::now();
    let mut again = 0usize;
    for _ in 0..400 {
        for (k, u) in settled.iter().enumerate() {
            again += plan_for(u, 0, k).messages.len();
        }
    }
    let settled_per_sec = (400 * settled.len()) as f64 / start.elapsed().as_secs_f64();
    println!(
        "  users per second with nothing new (their plan already stored): {settled_per_sec:.0} \
         ({again} messages planned again)"
    );
    println!("BENCH engine_users_per_s {per_sec:.0} >=250000");
}
