//! Generation at scale through the real fan-out: job-generate → bus → rule → SQS → the host's
//! feeder → job-generate-segment, against DynamoDB Local. Its own test binary, because a run
//! plans every user in the table.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use coach_tests::{invoke, jobs, quiet_now_preferences, stores, unique_user};
use coaching::app::generation::Generator;
use coaching::aws::dynamo::{Profile, RunStatus, VersionedPreferences};
use coaching::domain::user::UserId;
use futures::stream::{self, StreamExt};

const USERS: usize = 10_000;
const ZONES: [&str; 6] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Los_Angeles",
];

async fn wait_for(run_id: &str) -> RunStatus {
    let jobs = jobs().await;
    let started = Instant::now();
    loop {
        let status = jobs.jobs.run(run_id).await.expect("run record");
        if let Some(s) = status {
            if s.finished() {
                return s;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "run {run_id} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Every message of users whose id starts with `prefix`: (user id, occurrence) pairs.
async fn messages_of(prefix: &str) -> Vec<(String, String)> {
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let table = coach_tests::env("MESSAGES_TABLE");
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(&table)
            .filter_expression("begins_with(pk, :p)")
            .expression_attribute_values(":p", AttributeValue::S(format!("USER#{prefix}")))
            .projection_expression("user_id, occurrence")
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan messages");
        for item in page.items.unwrap_or_default() {
            let s = |k: &str| {
                item.get(k)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            out.push((s("user_id"), s("occurrence")));
        }
        start = page.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}

/// How many messages the table holds (every user's).
async fn all_messages() -> u64 {
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let mut n = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(coach_tests::env("MESSAGES_TABLE"))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("count messages");
        n += page.count.max(0) as u64;
        start = page.last_evaluated_key;
        if start.is_none() {
            return n;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_users_get_one_message_per_occurrence_even_with_two_runs_at_once() {
    let stores = stores().await;
    let prefix = unique_user("fanout");
    let users: Vec<(UserId, coaching::domain::preferences::Preferences)> = (0..USERS)
        .map(|i| {
            let zone = ZONES[i % ZONES.len()].parse().expect("zone");
            (
                UserId::parse(&format!("{prefix}-{i:05}")).expect("user id"),
                quiet_now_preferences(zone),
            )
        })
        .collect();
    stream::iter(users.iter().cloned())
        .for_each_concurrent(32, |(user, prefs)| {
            let stores = stores.clone();
            async move {
                stores
                    .profiles
                    .put_preferences(&user, prefs, 0, chrono::Utc::now())
                    .await
                    .expect("seeding preferences");
            }
        })
        .await;

    // Two runs started at the same moment (they plan every user in the table, other tests'
    // too, so the accounting below counts the whole table).
    let before = all_messages().await;
    let payload = serde_json::json!({"job": "generate"});
    let (a, b) = tokio::join!(
        invoke("job-generate", &payload),
        invoke("job-generate", &payload)
    );
    assert!(a.0 && b.0, "job-generate failed: {a:?} {b:?}");
    let (run_a, run_b) = (
        a.1["run_id"].as_str().expect("run id").to_owned(),
        b.1["run_id"].as_str().expect("run id").to_owned(),
    );
    assert_ne!(run_a, run_b);
    let (done_a, done_b) = tokio::join!(wait_for(&run_a), wait_for(&run_b));

    let stored = messages_of(&prefix).await;
    let distinct: BTreeSet<&(String, String)> = stored.iter().collect();
    assert_eq!(
        distinct.len(),
        stored.len(),
        "an occurrence was stored twice"
    );
    // Each new message was created by exactly one of the runs: none was written by both.
    assert_eq!(
        done_a.totals.planned + done_b.totals.planned,
        all_messages().await - before,
        "runs: {done_a:?} {done_b:?}"
    );

    // Exactly what the engine plans for each user: nothing dropped, nothing extra.
    // The catalogue the workers used: the stored one (the built-in one until seeded).
    let generator = Generator::from_store(&stores.templates, &stores.messages)
        .await
        .expect("templates");
    let stats = stores
        .messages
        .variant_stats(&generator.variant_pairs())
        .await
        .expect("stats");
    let mut by_user: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for (u, o) in &stored {
        by_user.entry(u).or_default().insert(o);
    }
    for (user, prefs) in &users {
        let profile = Profile {
            preferences: VersionedPreferences {
                version: 1,
                updated_at: None,
                preferences: prefs.clone(),
            },
            ..Profile::empty()
        };
        let plan = generator.plan_entries(user, &profile, &[], &stats, done_a.as_of, 0);
        let expected: BTreeSet<&str> = plan
            .messages
            .iter()
            .map(|m| m.occurrence.as_str())
            .collect();
        let got = by_user.get(user.as_str()).cloned().unwrap_or_default();
        assert_eq!(got, expected, "user {}", user.as_str());
    }

    // A later run adds nothing.
    let (ok, c) = invoke("job-generate", &payload).await;
    assert!(ok, "{c}");
    let done_c = wait_for(c["run_id"].as_str().expect("run id")).await;
    assert_eq!(messages_of(&prefix).await.len(), stored.len());
    assert_eq!(done_c.totals.planned, 0, "{done_c:?}");
    println!(
        "{USERS} users: {} messages; run A planned {}, run B planned {}, run C planned {}",
        stored.len(),
        done_a.totals.planned,
        done_b.totals.planned,
        done_c.totals.planned
    );
}
