//! Parity of the simulator with the deployed path: a small population lives a few days in
//! process (`coach-sim`, policy `learned`), recording every call the app and its backend made;
//! the same calls are then replayed in time order into the local stack — DynamoDB Local, moto
//! and the real function binaries under the host — with the jobs run at the schedule's
//! instants through `admin-generate-all` and `admin-deliver-scheduled` with `as_of`, and
//! activity events carrying their bus `time`. Both must have planned and sent the same
//! message ids at the same times, and left them in the same state.
//!
//! Interaction timestamps are the API's wall clock (the app cannot send its own); with
//! personalisation consent they would feed the learned best hour, so this population declines
//! consent. The replay plans every user in the table, so it runs in a stack of its own:
//! `make test` starts one for it (`--ignored`).

use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use coach_sim::population::Population;
use coach_sim::world::{Call, Policy, SimUser, GENERATION_HOURS};
use coach_sim::{draw_users, simulate_users_every, RunConfig};
use coach_tests::{call, invoke, jobs, stores};
use coaching::app::generation::Generator;
use coaching::aws::dynamo::messages::MAX_MESSAGES_READ;
use coaching::domain::messages::Message;
use coaching::domain::user::UserId;
use serde_json::{json, Value};

const POPULATION: &str = include_str!("../infra/sim/tests/fixtures/tiny.json");
const USERS: usize = 50;
/// Long enough for the learners to act (users build evidence against a kind of push).
const DAYS: usize = 7;
const SEED: u64 = 7;

/// What happens at one instant, in this order (the daily model fit at a UTC midnight first,
/// as the simulator fits at its day's end; `Inputs` before the jobs, `After` once a job ran
/// for the user at the same instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Fit,
    Inputs,
    Generate,
    Deliver,
    After,
}

fn population() -> Population {
    let mut v: Value = serde_json::from_str(POPULATION).expect("fixture");
    if let Some(archetypes) = v["archetypes"].as_array_mut() {
        for a in archetypes {
            a["prefs"]["consent"] = json!(0.0);
            // Three pushes a day: enough evidence within the week for the learners to act.
            a["prefs"]["frequency"] = json!({"frequent": 1.0});
        }
    }
    Population::parse(&v.to_string()).expect("valid population")
}

async fn wait_for_run(run_id: &str) {
    let jobs = jobs().await;
    let began = Instant::now();
    loop {
        if let Some(s) = jobs.jobs.run(run_id).await.expect("run record") {
            if s.finished() {
                return;
            }
        }
        assert!(
            began.elapsed() < StdDuration::from_secs(120),
            "run {run_id} did not finish"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

/// What both sides must agree on for one message: which, what it says, when it was due and
/// sent, and where it ended.
fn fate(m: &Message) -> String {
    format!(
        "{} {} {}/{}/{:?} {:?} send {} sent {:?} {:?} rewarded {:?} arms {:?} | {}",
        m.id,
        m.occurrence,
        m.template_id,
        m.variant_id,
        m.tone,
        m.status,
        m.send_at,
        m.delivered_at,
        m.delivery.as_ref().and_then(|d| d.failure.as_deref()),
        m.rewarded_at,
        m.selection.as_ref().map(|s| (
            s.holdout,
            s.arms
                .iter()
                .map(|a| format!("{}={:.6}", a.template_id, a.p))
                .collect::<Vec<_>>()
        )),
        m.title,
    )
}

/// The calls of one instant and phase: (user index, call), each user's in their order.
type Calls = Vec<(usize, Call)>;

/// Replays every call; returns the pushes each daily fit read.
async fn replay(users: &[SimUser], cfg: &RunConfig) -> Vec<f64> {
    let mut timeline: BTreeMap<(DateTime<Utc>, Phase), Calls> = BTreeMap::new();
    for (u, user) in users.iter().enumerate() {
        for input in user.inputs.iter().flatten() {
            let phase = if input.after_jobs {
                Phase::After
            } else {
                Phase::Inputs
            };
            timeline
                .entry((input.at, phase))
                .or_default()
                .push((u, input.call.clone()));
        }
    }
    let (first, end) = (cfg.first(), cfg.end());
    let mut t = first;
    while t < end {
        let key = (t, Phase::Deliver);
        timeline.entry(key).or_default();
        if t.timestamp() % 86_400 == 0 {
            timeline.entry((t, Phase::Fit)).or_default();
        }
        if t.timestamp() % 3600 == 0 && GENERATION_HOURS.contains(&chrono::Timelike::hour(&t)) {
            timeline.entry((t, Phase::Generate)).or_default();
        }
        t += Duration::minutes(5);
    }
    let mut versions = vec![0u64; users.len()];
    let mut fitted = Vec::new();
    for ((at, phase), calls) in timeline {
        match phase {
            Phase::Fit => {
                let (ok, out) = invoke("job-fit-model", &json!({"as_of": at})).await;
                assert!(ok, "model fit at {at}: {out}");
                fitted.push(out["pushes"].as_f64().unwrap_or_default());
            }
            Phase::Generate => {
                let (ok, run) =
                    invoke("admin-generate-all", &json!({"as_of": at, "segments": 1})).await;
                assert!(ok, "generation at {at}: {run}");
                wait_for_run(run["run_id"].as_str().expect("run id")).await;
            }
            Phase::Deliver => {
                let (ok, out) = invoke("admin-deliver-scheduled", &json!({"as_of": at})).await;
                assert!(ok, "delivery at {at}: {out}");
                assert_eq!(out["more"], json!(false), "one call delivers all");
            }
            Phase::Inputs | Phase::After => {
                for (u, c) in calls {
                    send(&users[u], &mut versions[u], at, c).await;
                }
            }
        }
    }
    fitted
}

async fn send(user: &SimUser, version: &mut u64, at: DateTime<Utc>, c: Call) {
    let sub = user.id.as_str();
    match c {
        Call::Preferences(mut body) => {
            body["version"] = json!(*version);
            let (status, out) = call("PUT", "/coaching/personalization", sub, Some(body)).await;
            assert_eq!(status, 200, "{sub} preferences: {out}");
            if *version == 0 {
                let device = json!({"platform": "fcm", "token": format!("parity-token-of-{sub}-0123456789")});
                let (status, out) = call("PUT", "/coaching/devices/phone", sub, Some(device)).await;
                assert!(status < 300, "{sub} device: {out}");
            }
            *version += 1;
        }
        Call::Activity(event) => {
            let payload = json!({
                "id": format!("parity-{}", event.activity_id),
                "detail-type": "ActivityLogged",
                "source": "tug.app",
                "time": at,
                "detail": event,
            });
            let (ok, out) = invoke("events-activity-logged", &payload).await;
            assert!(ok, "{sub} activity at {at}: {out}");
        }
        Call::Interact { message_id, action } => {
            let path = format!("/coaching/messages/{message_id}/interact");
            let (status, out) = call("POST", &path, sub, Some(json!({"action": action}))).await;
            assert_eq!(status, 200, "{sub} {action:?} {message_id} at {at}: {out}");
        }
        Call::Feedback { message_id, rating } => {
            let path = format!("/coaching/messages/{message_id}/feedback");
            let (status, out) = call("POST", &path, sub, Some(json!({"rating": rating}))).await;
            assert!(status < 300, "{sub} feedback {message_id}: {out}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "replays into a stack of its own: `make test` runs it with --ignored"]
async fn the_stack_decides_as_the_simulator_does() {
    let pop = population();
    // Days in the past: the admin jobs refuse a clock in the future.
    let cfg = RunConfig {
        users: USERS,
        days: DAYS,
        start: Utc::now().date_naive() - Duration::days(DAYS as i64 + 3),
    };
    let mut users = draw_users(&pop, &cfg, SEED);
    for u in &mut users {
        u.record_inputs();
    }
    // The product as deployed: it reads the per-variant counters at every moment.
    simulate_users_every(
        &mut users,
        &cfg,
        Policy::Learned,
        SEED,
        &Generator::default(),
        Duration::minutes(1),
        &|| {},
    );
    let delivered: usize = users
        .iter()
        .flat_map(|u| u.messages())
        .filter(|m| m.delivered_at.is_some())
        .count();
    let calls: usize = users
        .iter()
        .map(|u| u.inputs.iter().flatten().count())
        .sum();
    assert!(
        delivered > 50 && calls > 200,
        "{delivered} sent, {calls} calls"
    );
    let learned: u64 = users.iter().map(|u| u.outcome.low_value).sum();
    assert!(
        learned > 0,
        "the learned send-or-not never acted: parity would not cover it"
    );

    let fitted = replay(&users, &cfg).await;
    assert!(
        fitted.last().is_some_and(|p| *p > 0.0),
        "the daily fits saw no pushes: the bandit's priors would not be covered ({fitted:?})"
    );

    let stores = stores().await;
    let mut mismatched = Vec::new();
    let mut compared = 0;
    for u in &users {
        let id = UserId::parse(&u.id).expect("user id");
        let mut stack: Vec<_> = stores
            .messages
            .recent(&id, None, MAX_MESSAGES_READ)
            .await
            .expect("messages")
            .iter()
            .map(fate)
            .collect();
        let mut sim: Vec<_> = u.messages().iter().map(fate).collect();
        stack.sort();
        sim.sort();
        compared += sim.len();
        if stack != sim {
            mismatched.push(format!(
                "{}:\n  sim   {}\n  stack {}",
                u.id,
                sim.join("\n        "),
                stack.join("\n        ")
            ));
        }
    }
    assert!(
        mismatched.is_empty(),
        "{} of {} users differ:\n{}",
        mismatched.len(),
        users.len(),
        mismatched.join("\n")
    );
    println!(
        "{compared} messages of {USERS} users agree ({delivered} sent, {calls} calls replayed, \
         {learned} triggers skipped as low value, daily fits of {fitted:?} pushes)"
    );
}
