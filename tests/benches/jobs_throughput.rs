//! Throughput of the jobs against DynamoDB Local and moto, with the release binaries under
//! the local host (`make bench`):
//! - users per second through job-generate-segment (the real function, four segments at once
//!   as the queue's maximum concurrency allows), beside the raw BatchWriteItem throughput of
//!   the same DynamoDB Local in the same run (items per second, four writers, through the
//!   local IAM proxy like the worker's). The ratio is the figure;
//! - the store's floor for what the next day's run must do: a raw scan of the profiles table
//!   as the workers scan it, and raw writes of ledger entries beside the raw message writes
//!   (a new message is one of each), so the run is also measured against that floor;
//! - deliveries per second through job-deliver (claim, publish to moto, record);
//! - the requests each job made, by operation, counted by the local IAM proxy every function
//!   call goes through (per user planned, per message delivered);
//! - the requests one run of each scheduled job that is not per user makes (model fit,
//!   analytics, cleanup, health) over the tables the runs above left, with their item counts,
//!   so what a run costs per item scanned is counted too.

use std::time::{Duration, Instant};

use chrono::Utc;
use coach_tests::{
    invoke, jobs, proxied_requests, push, quiet_preferences_at, seed_message, unique_user,
    ProxiedRequests,
};
use coaching::aws::dynamo::batch::write_all;
use coaching::domain::devices::{Device, Platform};
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use futures::stream::{self, StreamExt};
use serde_json::json;

const USERS: usize = 5_000;
const RAW_ITEMS: usize = 10_000;
const SEGMENTS: u32 = 4;
const DELIVERY_USERS: usize = 250;
const MESSAGES_PER_USER: usize = 4;

/// The requests `functions` made between two reports, by operation.
fn made(
    before: &ProxiedRequests,
    after: &ProxiedRequests,
    functions: &[&str],
) -> Vec<(String, u64)> {
    let mut out: std::collections::BTreeMap<String, u64> = Default::default();
    for f in functions {
        for (op, n) in after.get(*f).into_iter().flatten() {
            let was = before.get(*f).and_then(|m| m.get(op)).copied().unwrap_or(0);
            if *n > was {
                *out.entry(op.clone()).or_default() += n - was;
            }
        }
    }
    out.into_iter().collect()
}

/// The scheduled jobs counted once each, with their schedule's `job` payload.
const SCHEDULED_JOBS: [(&str, &str); 4] = [
    ("job-fit-model", "fit-model"),
    ("job-analytics", "analytics"),
    ("job-cleanup", "cleanup"),
    ("job-health", "health"),
];

/// How often template.yaml runs each of [`SCHEDULED_JOBS`].
const SCHEDULES: [(&str, &str); 4] = [
    ("job-fit-model", "daily"),
    ("job-analytics", "daily"),
    ("job-cleanup", "weekly"),
    ("job-health", "hourly"),
];

/// Reads all of `table` as the generation workers do (four segments at once, pages of
/// `PAGE_ITEMS`); returns the items read and the seconds it took.
async fn raw_scan(client: &aws_sdk_dynamodb::Client, table: &str) -> (u64, f64) {
    let t = Instant::now();
    let items = futures::future::join_all(
        (0..SEGMENTS).map(|segment| scan_items(client, table, Some(segment), false)),
    )
    .await
    .into_iter()
    .sum();
    (items, t.elapsed().as_secs_f64())
}

/// Scans `table` (one of [`SEGMENTS`] segments in pages of `PAGE_ITEMS`, or all of it) and
/// returns how many items it holds: read, or only counted by the store (`count_only`).
async fn scan_items(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    segment: Option<u32>,
    count_only: bool,
) -> u64 {
    let mut items = 0u64;
    let mut start = None;
    loop {
        let mut scan = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start);
        if let Some(segment) = segment {
            scan = scan
                .segment(segment as i32)
                .total_segments(SEGMENTS as i32)
                .limit(coaching::app::generation::PAGE_ITEMS);
        }
        if count_only {
            scan = scan.select(aws_sdk_dynamodb::types::Select::Count);
        }
        let out = scan.send().await.expect("scan");
        items += if count_only {
            u64::try_from(out.count).unwrap_or(0)
        } else {
            out.items.map_or(0, |i| i.len() as u64)
        };
        start = out.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

/// Looks up `n` keys that do not exist in `table` (`pk = USER#raw-<tag>-<k>`, sort key
/// `sk`), as the workers check their planned ids and their users' erasures: strongly
/// consistent BatchGetItem calls of 100 keys, four readers. Returns the seconds it took.
async fn raw_get(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    n: usize,
    tag: &str,
    sk: &str,
) -> f64 {
    use aws_sdk_dynamodb::types::AttributeValue;
    let keys: Vec<coaching::aws::dynamo::batch::Item> = (0..n)
        .map(|k| {
            [
                (
                    "pk".to_owned(),
                    AttributeValue::S(format!("USER#raw-{tag}-{k}")),
                ),
                ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
            ]
            .into()
        })
        .collect();
    let t = Instant::now();
    futures::future::join_all(
        keys.chunks(n.div_ceil(4).max(1))
            .map(|c| coaching::aws::dynamo::batch::get_all(client, table, c.to_vec(), None)),
    )
    .await
    .into_iter()
    .for_each(|r| {
        r.expect("raw get");
    });
    t.elapsed().as_secs_f64()
}

fn sqs_event(run_id: &str, as_of: chrono::DateTime<Utc>, segment: u32) -> serde_json::Value {
    let body = json!({
        "source": "tug.coach",
        "detail-type": "GenerateSegment",
        "detail": {"run_id": run_id, "as_of": as_of, "segment": segment, "total_segments": SEGMENTS, "pinned": true},
    });
    json!({"Records": [{"messageId": format!("bench-{segment}"), "receiptHandle": "x", "body": body.to_string(), "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench"}]})
}

/// Writes [`RAW_ITEMS`] copies of `item` (new keys under `tag`, sort keys `<sk_prefix><n>`)
/// with four writers of 25-item BatchWriteItem calls; returns items per second.
async fn raw_write(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    item: &coaching::aws::dynamo::batch::Item,
    tag: &str,
    sk_prefix: &str,
) -> f64 {
    let requests: Vec<_> = (0..RAW_ITEMS)
        .map(|i| {
            let mut it = item.clone();
            it.insert(
                "pk".into(),
                aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#raw-{tag}-{}", i / 2)),
            );
            it.insert(
                "sk".into(),
                aws_sdk_dynamodb::types::AttributeValue::S(format!("{sk_prefix}{i:032x}")),
            );
            coaching::aws::dynamo::batch::put_request(it).expect("put")
        })
        .collect();
    let t = Instant::now();
    let chunks: Vec<Vec<_>> = requests.chunks(RAW_ITEMS / 4).map(<[_]>::to_vec).collect();
    futures::future::join_all(chunks.into_iter().map(|c| write_all(client, table, c)))
        .await
        .into_iter()
        .for_each(|r| r.expect("raw write"));
    RAW_ITEMS as f64 / t.elapsed().as_secs_f64()
}

/// Waits until the local host's pipes have handed on every stored message, so the stream of
/// one phase does not load the next one's measurement.
async fn settle() {
    let resp = reqwest::Client::new()
        .post(format!("{}/_local/pipes/settled", coach_tests::host_url()))
        .send()
        .await
        .expect("the host answers");
    assert_eq!(resp.status().as_u16(), 204, "the pipes did not settle");
}

/// One generation run through job-generate-segment, as the bench saw it.
struct GenerationRun {
    users: u64,
    messages: u64,
    secs: f64,
    requests: Vec<(String, u64)>,
}

impl GenerationRun {
    fn messages_per_s(&self) -> f64 {
        self.messages as f64 / self.secs
    }
}

/// The generation runs' clock: 07:30 in Chicago (the users' zone) on a Wednesday at least
/// two days ahead. What a run plans depends on the users' local time of day and weekday, so
/// with the wall clock the figures moved with the hour `make bench` was run at (a next day's
/// run at 14:00 UTC planned nothing); and nothing planned falls due while the bench runs.
fn runs_clock(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    use chrono::{Datelike, TimeZone};
    let mut day = (now + chrono::Duration::days(2)).date_naive();
    while day.weekday() != chrono::Weekday::Wed {
        day = day.succ_opt().expect("a later day");
    }
    chrono_tz::America::Chicago
        .with_ymd_and_hms(day.year(), day.month(), day.day(), 7, 30, 0)
        .single()
        .expect("07:30 is never skipped or repeated in Chicago")
        .with_timezone(&Utc)
}

/// Runs generation as of `as_of` over the whole table, [`SEGMENTS`] segments at once, until
/// the run's record says it is finished.
async fn generation_run(j: &functions::Jobs, as_of: chrono::DateTime<Utc>) -> GenerationRun {
    let run_id = unique_user("run");
    j.jobs
        .start_run(&run_id, as_of, SEGMENTS)
        .await
        .expect("run record");
    let before = proxied_requests().await;
    let t = Instant::now();
    let results = futures::future::join_all((0..SEGMENTS).map(|seg| {
        let event = sqs_event(&run_id, as_of, seg);
        async move { invoke("job-generate-segment", &event).await }
    }))
    .await;
    for (ok, out) in &results {
        assert!(ok, "{out}");
    }
    let status = loop {
        let st = j.jobs.run(&run_id).await.expect("run").expect("run record");
        if st.finished() {
            break st;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let secs = t.elapsed().as_secs_f64();
    GenerationRun {
        users: status.totals.users,
        messages: status.totals.planned,
        secs,
        requests: made(
            &before,
            &proxied_requests().await,
            &["job-generate-segment"],
        ),
    }
}

#[tokio::main]
async fn main() {
    let j = jobs().await;
    let s = &j.stores;
    let prefix = unique_user("gbench");
    let as_of = runs_clock(Utc::now());
    stream::iter(0..USERS)
        .for_each_concurrent(32, |i| {
            let prefix = prefix.clone();
            async move {
                let user = UserId::parse(&format!("{prefix}-{i:05}")).expect("user");
                s.profiles
                    .put_preferences(
                        &user,
                        quiet_preferences_at(chrono_tz::America::Chicago, as_of),
                        0,
                        Utc::now(),
                    )
                    .await
                    .expect("seed");
            }
        })
        .await;

    // Raw BatchWriteItem: message-sized items, four writers, 25 per call, signed as a probe of
    // job-generate-segment so they pass the local IAM proxy as the worker's writes do.
    let client = aws_sdk_dynamodb::Client::new(&coach_tests::probe("job-generate-segment").await);
    let table = coach_tests::env("MESSAGES_TABLE");
    let template = seed_message(
        s,
        &unique_user("raw"),
        "raw:0",
        MessageType::GeneralWisdom,
        MessageStatus::Scheduled,
        -48,
    )
    .await;
    let item = coaching::aws::dynamo::MessageStore::item(
        &UserId::parse("raw-template").expect("id"),
        &template,
    )
    .expect("item");
    // One untimed pass first: DynamoDB Local (a JVM) is slower until its code is compiled.
    raw_write(&client, &table, &item, &format!("{prefix}-warm"), "MSG#").await;
    settle().await;
    let raw_before = raw_write(&client, &table, &item, &format!("{prefix}-a"), "MSG#").await;
    settle().await;

    // Through job-generate-segment: one run over the whole table, four segments at once;
    // first as the users' first run (no ledger yet: each history is read and the ledger
    // written), then as of the next day (every user planned from the ledger the scan returns).
    let first = generation_run(&j, as_of).await;
    settle().await;
    let next_day = generation_run(&j, as_of + chrono::Duration::days(1)).await;
    settle().await;
    // The read the next day's run cannot do without: the profiles table, scanned raw as the
    // workers scan it, as the run found it.
    let (scanned, scan_secs) = raw_scan(&client, &coach_tests::env("PROFILES_TABLE")).await;
    // And its checks: are the planned ids stored, were the users erased meanwhile.
    let ids_secs = raw_get(
        &client,
        &table,
        next_day.messages as usize,
        &format!("{prefix}-g"),
        "MSG#0",
    )
    .await;
    let erasures_secs = raw_get(
        &client,
        &coach_tests::env("PROFILES_TABLE"),
        next_day.users as usize,
        &format!("{prefix}-g"),
        "ERASED",
    )
    .await;
    // Raw again, after the runs: the mean of the two is the reference (DynamoDB Local's rate
    // drifts as its tables grow).
    let raw_after = raw_write(&client, &table, &item, &format!("{prefix}-b"), "MSG#").await;
    let raw = (raw_before + raw_after) / 2.0;
    settle().await;
    // Raw ledger entries: copies of one the runs wrote, in the profiles table. A new message
    // costs one message write and one entry write, so the store's rate for the pair bounds
    // the messages figure: 1 / (1 / raw + 1 / raw entries) messages per second.
    let counter = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let profiles_table = coach_tests::env("PROFILES_TABLE");
    let entry = counter
        .query()
        .table_name(&profiles_table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :ledger)")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(coaching::aws::dynamo::user_pk(
                &UserId::parse(&format!("{prefix}-{:05}", 0)).expect("user"),
            )),
        )
        .expression_attribute_values(
            ":ledger",
            aws_sdk_dynamodb::types::AttributeValue::S("~LEDGER#".into()),
        )
        .limit(1)
        .send()
        .await
        .expect("a ledger entry")
        .items
        .and_then(|mut items| items.pop())
        .expect("the runs wrote the first user's ledger");
    raw_write(
        &client,
        &profiles_table,
        &entry,
        &format!("{prefix}-ew"),
        "~LEDGER#",
    )
    .await;
    let raw_entries = raw_write(
        &client,
        &profiles_table,
        &entry,
        &format!("{prefix}-e"),
        "~LEDGER#",
    )
    .await;
    let pair_floor = 1.0 / (1.0 / raw + 1.0 / raw_entries);
    // The store's floor for the next day's run: its scan, its two checks and its writes, one
    // after the other (they share the one store).
    let floor_secs = scan_secs + ids_secs + erasures_secs + next_day.messages as f64 / pair_floor;
    // Deliveries: users with one device each, several messages due now.
    let p = push().await;
    let mut due = 0;
    for i in 0..DELIVERY_USERS {
        let user = UserId::parse(&format!("{prefix}-d{i:04}")).expect("user");
        let prefs: coaching::domain::preferences::PreferencesInput =
            serde_json::from_value(json!({"quiet_hours": null})).expect("input");
        s.profiles
            .put_preferences(
                &user,
                prefs.into_preferences().expect("valid"),
                0,
                Utc::now(),
            )
            .await
            .expect("prefs");
        let token = format!(
            "{:064x}",
            (i as u128 + 1) * 7_919 + (Utc::now().timestamp_micros() as u128)
        );
        let arn = p
            .ensure_endpoint(&user, Platform::Apns, &token, None)
            .await
            .expect("endpoint")
            .arn;
        let now = Utc::now();
        s.profiles
            .put_device(
                &user,
                &Device {
                    device_id: "phone".into(),
                    platform: Platform::Apns,
                    token,
                    endpoint_arn: arn,
                    enabled: true,
                    created_at: now,
                    updated_at: now,
                },
            )
            .await
            .expect("device");
        for k in 0..MESSAGES_PER_USER {
            seed_message(
                s,
                user.as_str(),
                &format!("d:{k}"),
                MessageType::GeneralWisdom,
                MessageStatus::Scheduled,
                0,
            )
            .await;
            due += 1;
        }
    }
    let before = proxied_requests().await;
    let t = Instant::now();
    let (ok, run) = invoke("job-deliver", &json!({"job": "deliver"})).await;
    assert!(ok, "{run}");
    let deliver_secs = t.elapsed().as_secs_f64();
    let sent = run["sent"].as_u64().unwrap_or(0);
    let delivery_requests = made(&before, &proxied_requests().await, &["job-deliver"]);

    // The scheduled jobs that do not run per user, once each with their schedule's payload,
    // over the tables as the runs above left them (their items counted beside): what a run
    // costs grows with the tables it scans, not with the users planned.
    let mut scheduled = Vec::new();
    for (function, job) in SCHEDULED_JOBS {
        let before = proxied_requests().await;
        let t = Instant::now();
        let (ok, out) = invoke(function, &json!({ "job": job })).await;
        assert!(ok, "{function}: {out}");
        let secs = t.elapsed().as_secs_f64();
        scheduled.push((
            function,
            secs,
            made(&before, &proxied_requests().await, &[function]),
        ));
    }
    // Counted as the tests' own identity (no function's policy, no function's count).
    let profile_items = scan_items(&counter, &profiles_table, None, true).await;
    let message_items = scan_items(&counter, &table, None, true).await;

    println!("\njobs throughput (DynamoDB Local + moto, release binaries, 2 cores)\n");
    println!("| measure | figure |\n|---|---:|");
    println!(
        "| raw BatchWriteItem, 4 writers | {raw:.0} items/s (before the runs {raw_before:.0}, after {raw_after:.0}) |"
    );
    for (name, run) in [("users' first run", &first), ("next day's run", &next_day)] {
        println!(
            "| job-generate-segment, {SEGMENTS} segments at once, {name} | {:.0} users/s ({} users, {} messages in {:.1} s) |",
            run.users as f64 / run.secs,
            run.users,
            run.messages,
            run.secs
        );
        println!(
            "| {name}: messages written/s ÷ raw items/s | {:.2} ({:.0} messages/s) |",
            run.messages_per_s() / raw,
            run.messages_per_s()
        );
        // Every new message is two items: the message and its ledger entry.
        println!(
            "| {name}: items written/s (messages and their ledger entries) ÷ raw items/s | {:.2} |",
            2.0 * run.messages_per_s() / raw
        );
        println!(
            "| {name}: messages written/s ÷ the store's rate for a message with its entry | {:.2} |",
            run.messages_per_s() / pair_floor
        );
    }
    println!(
        "| raw BatchWriteItem of ledger entries, 4 writers | {raw_entries:.0} items/s; a message with its entry: {pair_floor:.0}/s, {:.2} of the raw message rate (the ceiling of the BENCH figure) |",
        pair_floor / raw
    );
    println!(
        "| raw scan of the profiles table, 4 segments, pages of {} | {scanned} items in {scan_secs:.2} s ({:.0} items/s) |",
        coaching::app::generation::PAGE_ITEMS,
        scanned as f64 / scan_secs
    );
    println!(
        "| raw checks, strongly consistent BatchGetItem, 4 readers | {} planned ids {ids_secs:.2} s, {} users' erasures {erasures_secs:.2} s |",
        next_day.messages, next_day.users
    );
    println!(
        "| next day's run against the store's floor for its work (the raw scan, the raw checks, then {} messages with their entries at the pair's raw rate: {floor_secs:.2} s) | took {:.2} s: {:.2} of the floor's speed |",
        next_day.messages,
        next_day.secs,
        floor_secs / next_day.secs
    );
    println!(
        "| job-deliver | {:.0} deliveries/s ({sent} of {due} due, {deliver_secs:.1} s) |",
        sent as f64 / deliver_secs
    );
    for (name, run) in [("users' first run", &first), ("next day's run", &next_day)] {
        println!(
            "\nrequests made by job-generate-segment, {name} ({} users, {} messages)\n",
            run.users, run.messages
        );
        println!("| operation | requests | per user |\n|---|---:|---:|");
        for (op, n) in &run.requests {
            println!(
                "| {op} | {n} | {:.3} |",
                *n as f64 / run.users.max(1) as f64
            );
        }
    }
    println!("\nrequests made by job-deliver ({sent} deliveries)\n");
    println!("| operation | requests | per delivery |\n|---|---:|---:|");
    for (op, n) in &delivery_requests {
        println!("| {op} | {n} | {:.3} |", *n as f64 / sent.max(1) as f64);
    }
    println!(
        "\nrequests made by the scheduled jobs, one run each ({profile_items} items in the profiles table, \
         {message_items} in the messages table)\n"
    );
    println!("| function | schedule | operation | requests | per 1,000 items scanned |\n|---|---|---|---:|---:|");
    for (function, secs, requests) in &scheduled {
        let schedule = SCHEDULES
            .iter()
            .find(|(f, _)| f == function)
            .map_or("", |(_, s)| *s);
        let items = match *function {
            "job-fit-model" => profile_items,
            "job-cleanup" => message_items,
            _ => 0,
        };
        for (op, n) in requests {
            let per = if items > 0 && op == "dynamodb:Scan" {
                format!("{:.2}", *n as f64 * 1000.0 / items as f64)
            } else {
                "–".into()
            };
            println!("| {function} ({secs:.1} s) | {schedule} | {op} | {n} | {per} |");
        }
    }
    println!(
        "BENCH generation_vs_raw_write {:.2} >=0.9",
        next_day.messages_per_s() / raw
    );
}
