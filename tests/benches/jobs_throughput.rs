//! Throughput of the jobs against DynamoDB Local and moto, with the release binaries under
//! the local host (`make bench`):
//! - users per second through job-generate-segment (the real function, four segments at once
//!   as the queue's maximum concurrency allows), beside the raw BatchWriteItem throughput of
//!   the same DynamoDB Local in the same run (items per second, four writers). The ratio is
//!   the figure;
//! - deliveries per second through job-deliver (claim, publish to moto, record).

use std::time::{Duration, Instant};

use chrono::Utc;
use coach_tests::{invoke, jobs, push, quiet_now_preferences, seed_message, unique_user};
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

fn sqs_event(run_id: &str, as_of: chrono::DateTime<Utc>, segment: u32) -> serde_json::Value {
    let body = json!({
        "source": "tug.coach",
        "detail-type": "GenerateSegment",
        "detail": {"run_id": run_id, "as_of": as_of, "segment": segment, "total_segments": SEGMENTS},
    });
    json!({"Records": [{"messageId": format!("bench-{segment}"), "receiptHandle": "x", "body": body.to_string(), "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench"}]})
}

#[tokio::main]
async fn main() {
    let j = jobs().await;
    let s = &j.stores;
    let prefix = unique_user("gbench");
    stream::iter(0..USERS)
        .for_each_concurrent(32, |i| {
            let prefix = prefix.clone();
            async move {
                let user = UserId::parse(&format!("{prefix}-{i:05}")).expect("user");
                s.profiles
                    .put_preferences(
                        &user,
                        quiet_now_preferences(chrono_tz::America::Chicago),
                        0,
                        Utc::now(),
                    )
                    .await
                    .expect("seed");
            }
        })
        .await;

    // Raw BatchWriteItem: message-sized items, four writers, 25 per call.
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
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
    let requests: Vec<_> = (0..RAW_ITEMS)
        .map(|i| {
            let mut it = item.clone();
            it.insert(
                "pk".into(),
                aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#raw-{prefix}-{}", i / 2)),
            );
            it.insert(
                "sk".into(),
                aws_sdk_dynamodb::types::AttributeValue::S(format!("MSG#{i:032x}")),
            );
            aws_sdk_dynamodb::types::WriteRequest::builder()
                .put_request(
                    aws_sdk_dynamodb::types::PutRequest::builder()
                        .set_item(Some(it))
                        .build()
                        .expect("put"),
                )
                .build()
        })
        .collect();
    let t = Instant::now();
    let chunks: Vec<Vec<_>> = requests.chunks(RAW_ITEMS / 4).map(<[_]>::to_vec).collect();
    futures::future::join_all(chunks.into_iter().map(|c| write_all(&client, &table, c)))
        .await
        .into_iter()
        .for_each(|r| r.expect("raw write"));
    let raw = RAW_ITEMS as f64 / t.elapsed().as_secs_f64();

    // Through job-generate-segment: one run over the whole table, four segments at once.
    let run_id = unique_user("run");
    let as_of = Utc::now();
    j.jobs
        .start_run(&run_id, as_of, SEGMENTS)
        .await
        .expect("run record");
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
    let users_per_s = status.totals.users as f64 / secs;

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
    let t = Instant::now();
    let (ok, run) = invoke("job-deliver", &json!({"job": "deliver"})).await;
    assert!(ok, "{run}");
    let deliver_secs = t.elapsed().as_secs_f64();
    let sent = run["sent"].as_u64().unwrap_or(0);

    println!("\njobs throughput (DynamoDB Local + moto, release binaries, 2 cores)\n");
    println!("| measure | figure |\n|---|---:|");
    println!("| raw BatchWriteItem, 4 writers | {raw:.0} items/s |");
    println!(
        "| job-generate-segment, {SEGMENTS} segments at once | {users_per_s:.0} users/s ({} users, {} messages in {secs:.1} s) |",
        status.totals.users, status.totals.planned
    );
    println!("| ratio users/s ÷ raw items/s | {:.2} |", users_per_s / raw);
    println!(
        "| job-deliver | {:.0} deliveries/s ({sent} of {due} due, {deliver_secs:.1} s) |",
        sent as f64 / deliver_secs
    );
}
