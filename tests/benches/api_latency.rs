//! Warm latency of each API route through the local host (HTTP → JWT check → the function's
//! binary under the emulated Runtime API → DynamoDB Local / moto), printed beside the time of
//! the storage calls that route makes, issued directly through the same SDK in the same run.
//! The ratio is the figure. Run with `make bench` (inside `coach-local test`).

use std::time::{Duration, Instant};

use coach_tests::{call, push, seed_message, stores, token, unique_user};
use coaching::aws::dynamo::ListFilter;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use serde_json::json;

const WARMUP: usize = 20;
const ROUNDS: usize = 200;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn time<F, Fut>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..WARMUP {
        f().await;
    }
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    median(samples)
}

/// The two Queries summary, insights and export make, issued concurrently as they do.
async fn profile_and_messages(s: &functions::Stores, uid: &UserId, max: usize) {
    let (a, b) = tokio::join!(s.profiles.profile(uid), s.messages.recent(uid, None, max));
    a.expect("profile");
    b.expect("messages");
}

#[tokio::main]
async fn main() {
    let s = stores().await;
    let p = push().await;
    let user = unique_user("bench");
    let uid = UserId::parse(&user).expect("user");
    for i in 0..30 {
        seed_message(
            &s,
            &user,
            &format!("b{i}"),
            MessageType::GeneralWisdom,
            MessageStatus::Sent,
            i,
        )
        .await;
    }
    let m = seed_message(
        &s,
        &user,
        "bench:read",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        1,
    )
    .await;
    call(
        "POST",
        &format!("/coaching/messages/{}/interact", m.id),
        &user,
        Some(json!({"action": "read"})),
    )
    .await;
    let device_token = "be".repeat(32);
    call(
        "PUT",
        "/coaching/devices/bench-phone",
        &user,
        Some(json!({"platform": "apns", "token": device_token})),
    )
    .await;
    let device = s
        .profiles
        .device(&uid, "bench-phone")
        .await
        .expect("device")
        .expect("registered");

    let client = reqwest::Client::new();
    let base = coach_tests::host_url();
    let bearer = token(&user);
    let http = |method: reqwest::Method, path: String, body: Option<serde_json::Value>| {
        let (client, base, bearer) = (client.clone(), base.clone(), bearer.clone());
        async move {
            let mut req = client
                .request(method, format!("{base}{path}"))
                .bearer_auth(bearer);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("host answers");
            assert!(resp.status().is_success(), "{}", resp.status());
            resp.bytes().await.expect("body");
        }
    };
    use reqwest::Method;
    let interact_path = format!("/coaching/messages/{}/interact", m.id);
    let rows: Vec<(&str, &str, Duration, Duration)> = vec![
        (
            "GET /coaching/personalization",
            "GetItem",
            time(|| http(Method::GET, "/coaching/personalization".into(), None)).await,
            time(|| async {
                s.profiles.preferences(&uid).await.expect("get");
            })
            .await,
        ),
        (
            "GET /coaching/messages",
            "Query ByTime (20)",
            time(|| http(Method::GET, "/coaching/messages".into(), None)).await,
            time(|| async {
                s.messages
                    .list(&uid, &ListFilter::default(), 20, None)
                    .await
                    .expect("list");
            })
            .await,
        ),
        (
            "GET /coaching/summary",
            "2 Queries, concurrent",
            time(|| http(Method::GET, "/coaching/summary".into(), None)).await,
            time(|| profile_and_messages(&s, &uid, 2000)).await,
        ),
        (
            "GET /coaching/insights",
            "2 Queries, concurrent",
            time(|| http(Method::GET, "/coaching/insights".into(), None)).await,
            time(|| profile_and_messages(&s, &uid, 2000)).await,
        ),
        (
            "POST …/interact (repeat)",
            "GetItem",
            time(|| {
                http(
                    Method::POST,
                    interact_path.clone(),
                    Some(json!({"action": "read"})),
                )
            })
            .await,
            time(|| async {
                s.messages.get(&uid, &m.id).await.expect("get");
            })
            .await,
        ),
        (
            "PUT /coaching/devices/{id} (same)",
            "GetItem + GetEndpointAttributes",
            time(|| {
                http(
                    Method::PUT,
                    "/coaching/devices/bench-phone".into(),
                    Some(json!({"platform": "apns", "token": device_token})),
                )
            })
            .await,
            time(|| async {
                s.profiles
                    .device(&uid, "bench-phone")
                    .await
                    .expect("device");
                p.state(&device.endpoint_arn).await.expect("state");
            })
            .await,
        ),
        (
            "GET /coaching/me/export",
            "2 Queries, concurrent",
            time(|| http(Method::GET, "/coaching/me/export".into(), None)).await,
            time(|| profile_and_messages(&s, &uid, usize::MAX)).await,
        ),
    ];
    println!(
        "\nwarm latency, median of {ROUNDS} after {WARMUP} warm-up calls (31 messages, 1 device)\n"
    );
    println!("| route | through host | storage calls | raw calls | ratio |");
    println!("|---|---:|---|---:|---:|");
    for (route, calls, host, raw) in rows {
        println!(
            "| {route} | {:.2} ms | {calls} | {:.2} ms | {:.2} |",
            host.as_secs_f64() * 1e3,
            raw.as_secs_f64() * 1e3,
            host.as_secs_f64() / raw.as_secs_f64()
        );
    }
}
