//! Warm latency of each API route three ways, in one run: through the local host (HTTP → JWT
//! check → the function's binary under the emulated Runtime API → the IAM proxy → DynamoDB
//! Local / moto), the same handler called in this process on the same request, and the
//! storage calls that route makes issued through the same SDK. The handler and the raw calls
//! sign as probes of the route's function, so their storage calls pass the same IAM proxy.
//! Routes and the three ways are interleaved round by round (so a slow moment of the machine
//! hits them alike), after warm-up rounds until every median is stable. Prints handler ÷ raw (what the code adds over its storage
//! calls) and host − handler (what the local host adds: HTTP, JWT, Runtime API hops).
//! Run with `make bench` (inside `coach-local test`, with the release host and functions).

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use coach_tests::{
    call, fixture, proxied_requests, request, seed_message, stores, token, unique_user, with_sub,
};
use coaching::aws::dynamo::ListFilter;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use functions::{
    api_export_data, api_get_insights, api_get_personalization, api_get_summary,
    api_interact_message, api_list_messages, api_register_device,
};
use serde_json::{json, Value};

/// Rounds per warm-up batch (multiples of six, so each order of [`ORDERS`] runs as often);
/// warm-up ends when no median moved by more than 5 %.
const WARMUP_BATCH: usize = 24;
const MAX_WARMUP_BATCHES: usize = 10;
const ROUNDS: usize = 204;

type Call<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + 'a>> + 'a>;

/// One route, timed three ways.
struct Route<'a> {
    name: &'static str,
    /// The function serving the route (whose requests are counted).
    function: &'static str,
    calls: &'static str,
    host: Call<'a>,
    handler: Call<'a>,
    raw: Call<'a>,
}

/// One timed call, and whether it came right after a call through the host.
#[derive(Clone, Copy)]
struct Sample {
    took: Duration,
    after_host: bool,
}

/// The median time of the samples `keep` selects.
fn median(v: &[Sample], keep: impl Fn(&Sample) -> bool) -> Duration {
    let mut v: Vec<Duration> = v.iter().filter(|s| keep(s)).map(|s| s.took).collect();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn every(_: &Sample) -> bool {
    true
}

/// The orders of the three ways (0 host, 1 handler, 2 raw) rounds cycle through.
const ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// Runs `rounds` interleaved rounds; returns per route the (host, handler, raw) samples.
async fn rounds(routes: &[Route<'_>], rounds: usize) -> Vec<[Vec<Sample>; 3]> {
    let mut out: Vec<[Vec<Sample>; 3]> = routes.iter().map(|_| Default::default()).collect();
    let mut previous = None;
    for r in 0..rounds {
        for (i, route) in routes.iter().enumerate() {
            // Each round takes the next of the six orders, so over six rounds each way follows
            // each other way equally often (within a route and from the route before). A
            // rotation of one order would not: the handler would always follow a host call and
            // bear the tail of the host's and the function's work on the shared cores.
            for way in ORDERS[r % ORDERS.len()] {
                let f = match way {
                    0 => &route.host,
                    1 => &route.handler,
                    _ => &route.raw,
                };
                // The call is prepared untimed (the handler's request parsed from its event, as
                // the Lambda runtime hands it over); only awaiting it is timed.
                let call = f();
                let t = Instant::now();
                call.await;
                out[i][way].push(Sample {
                    took: t.elapsed(),
                    after_host: previous == Some(0),
                });
                previous = Some(way);
            }
        }
    }
    out
}

/// The handler's event: the fixture of `function` for `sub`, made the same request the host
/// call sends (method, path, parameters, body).
fn event(function: &str, sub: &str, path: &str, params: Value, body: Option<Value>) -> Value {
    let mut e = with_sub(fixture(function), sub);
    e["rawPath"] = json!(path);
    e["requestContext"]["http"]["path"] = json!(path);
    e["rawQueryString"] = json!("");
    e["queryStringParameters"] = Value::Null;
    e["pathParameters"] = params;
    e["body"] = body.map_or(Value::Null, |b| json!(b.to_string()));
    if let Some(h) = e["headers"].as_object_mut() {
        h.remove("if-match");
    }
    e
}

/// The two Queries summary, insights and export make, issued concurrently as they do.
async fn profile_and_messages(s: &functions::Stores, uid: &UserId, max: usize) {
    let (a, b) = tokio::join!(s.profiles.profile(uid), s.messages.recent(uid, None, max));
    a.expect("profile");
    b.expect("messages");
}

fn ok(resp: Result<lambda_http::Response<lambda_http::Body>, lambda_http::Error>) {
    let resp = resp.expect("handlers answer every request");
    assert!(resp.status().is_success(), "{}", resp.status());
}

#[tokio::main]
async fn main() {
    let s = stores().await;
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
    let http = move |method: reqwest::Method, path: String, body: Option<Value>| {
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
    let read = json!({"action": "read"});
    let device_body = json!({"platform": "apns", "token": device_token});
    let get = |function: &str, path: &str| event(function, &user, path, Value::Null, None);
    let ev_personalization = get("api-get-personalization", "/coaching/personalization");
    let ev_list = get("api-list-messages", "/coaching/messages");
    let ev_summary = get("api-get-summary", "/coaching/summary");
    let ev_insights = get("api-get-insights", "/coaching/insights");
    let ev_export = get("api-export-data", "/coaching/me/export");
    let ev_interact = event(
        "api-interact-message",
        &user,
        &interact_path,
        json!({"id": m.id}),
        Some(read.clone()),
    );
    let ev_device = event(
        "api-register-device",
        &user,
        "/coaching/devices/bench-phone",
        json!({"deviceId": "bench-phone"}),
        Some(device_body.clone()),
    );
    // The handler and the raw calls sign as probes of the route's function: their storage
    // calls go through the local IAM proxy (checked against the function's policy) as the
    // function's own do through the host, so host − handler is the host alone.
    let as_probe = |f: &'static str| async move {
        let cold = functions::ColdStart::with_sdk(coach_tests::probe(f).await).expect("config");
        (cold.stores(), cold.push().expect("push"))
    };
    let (st_personalization, _) = as_probe("api-get-personalization").await;
    let (st_list, _) = as_probe("api-list-messages").await;
    let (st_summary, _) = as_probe("api-get-summary").await;
    let (st_insights, _) = as_probe("api-get-insights").await;
    let (st_interact, _) = as_probe("api-interact-message").await;
    let (st_device, p_device) = as_probe("api-register-device").await;
    let (st_export, _) = as_probe("api-export-data").await;
    let (uid, http) = (&uid, &http);
    let (st_personalization, st_list, st_summary, st_insights, st_interact, st_device, st_export) = (
        &st_personalization,
        &st_list,
        &st_summary,
        &st_insights,
        &st_interact,
        &st_device,
        &st_export,
    );
    let p_device = &p_device;
    let routes: Vec<Route> = vec![
        Route {
            name: "GET /coaching/personalization",
            function: "api-get-personalization",
            calls: "GetItem",
            host: Box::new(move || {
                Box::pin(http(Method::GET, "/coaching/personalization".into(), None))
            }),
            handler: Box::new(|| {
                let req = request(&ev_personalization);
                Box::pin(async move {
                    ok(api_get_personalization::handle(&st_personalization.profiles, req).await)
                })
            }),
            raw: Box::new(move || {
                Box::pin(async move {
                    st_personalization
                        .profiles
                        .preferences(uid)
                        .await
                        .expect("get");
                })
            }),
        },
        Route {
            name: "GET /coaching/messages",
            function: "api-list-messages",
            calls: "Query ByTime (20)",
            host: Box::new(move || Box::pin(http(Method::GET, "/coaching/messages".into(), None))),
            handler: Box::new(|| {
                let req = request(&ev_list);
                Box::pin(async move { ok(api_list_messages::handle(st_list, req).await) })
            }),
            raw: Box::new(move || {
                Box::pin(async move {
                    st_list
                        .messages
                        .list(uid, &ListFilter::default(), 20, None)
                        .await
                        .expect("list");
                })
            }),
        },
        Route {
            name: "GET /coaching/summary",
            function: "api-get-summary",
            calls: "2 Queries, concurrent",
            host: Box::new(move || Box::pin(http(Method::GET, "/coaching/summary".into(), None))),
            handler: Box::new(|| {
                let req = request(&ev_summary);
                Box::pin(async move { ok(api_get_summary::handle(st_summary, req).await) })
            }),
            raw: Box::new(move || Box::pin(profile_and_messages(st_summary, uid, 2000))),
        },
        Route {
            name: "GET /coaching/insights",
            function: "api-get-insights",
            calls: "2 Queries, concurrent",
            host: Box::new(move || Box::pin(http(Method::GET, "/coaching/insights".into(), None))),
            handler: Box::new(|| {
                let req = request(&ev_insights);
                Box::pin(async move { ok(api_get_insights::handle(st_insights, req).await) })
            }),
            raw: Box::new(move || Box::pin(profile_and_messages(st_insights, uid, 2000))),
        },
        Route {
            name: "POST …/interact (repeat)",
            function: "api-interact-message",
            calls: "GetItem",
            host: Box::new(|| {
                Box::pin(http(
                    Method::POST,
                    interact_path.clone(),
                    Some(read.clone()),
                ))
            }),
            // A repeated read publishes nothing: the bus is not needed.
            handler: Box::new(|| {
                let req = request(&ev_interact);
                Box::pin(
                    async move { ok(api_interact_message::handle(st_interact, None, req).await) },
                )
            }),
            raw: Box::new(|| {
                Box::pin(async {
                    st_interact.messages.get(uid, &m.id).await.expect("get");
                })
            }),
        },
        Route {
            name: "PUT /coaching/devices/{id} (same)",
            function: "api-register-device",
            calls: "Query (profile) + GetEndpointAttributes",
            host: Box::new(|| {
                Box::pin(http(
                    Method::PUT,
                    "/coaching/devices/bench-phone".into(),
                    Some(device_body.clone()),
                ))
            }),
            handler: Box::new(|| {
                let req = request(&ev_device);
                Box::pin(
                    async move { ok(api_register_device::handle(st_device, p_device, req).await) },
                )
            }),
            // The handler reads the user's devices with the profile (one Query), as it must to
            // find the device, its endpoint and the user's other devices.
            raw: Box::new(|| {
                Box::pin(async {
                    st_device.profiles.profile(uid).await.expect("profile");
                    p_device.state(&device.endpoint_arn).await.expect("state");
                })
            }),
        },
        Route {
            name: "GET /coaching/me/export",
            function: "api-export-data",
            calls: "2 Queries, concurrent",
            host: Box::new(move || Box::pin(http(Method::GET, "/coaching/me/export".into(), None))),
            handler: Box::new(|| {
                let req = request(&ev_export);
                Box::pin(async move { ok(api_export_data::handle(st_export, req).await) })
            }),
            raw: Box::new(move || Box::pin(profile_and_messages(st_export, uid, usize::MAX))),
        },
    ];

    let counted_from = proxied_requests().await;
    // Warm-up until stable: every route's three medians within 5 % of the batch before.
    let mut before: Option<Vec<[Duration; 3]>> = None;
    let mut batches = 0;
    while batches < MAX_WARMUP_BATCHES {
        let samples = rounds(&routes, WARMUP_BATCH).await;
        let medians: Vec<[Duration; 3]> = samples
            .iter()
            .map(|w| {
                [
                    median(&w[0], every),
                    median(&w[1], every),
                    median(&w[2], every),
                ]
            })
            .collect();
        batches += 1;
        let stable = before.as_ref().is_some_and(|b| {
            b.iter().zip(&medians).all(|(x, y)| {
                (0..3).all(|k| {
                    let (a, b) = (x[k].as_secs_f64(), y[k].as_secs_f64());
                    (a - b).abs() <= 0.05 * a.max(b)
                })
            })
        });
        before = Some(medians);
        if stable {
            break;
        }
    }
    let samples = rounds(&routes, ROUNDS).await;
    println!(
        "\nwarm latency, median of {ROUNDS} interleaved rounds after {batches} warm-up batches of {WARMUP_BATCH} (31 messages, 1 device)\n"
    );
    println!("| route | through host | handler in process | storage calls | raw calls | handler ÷ raw | host − handler |");
    println!("|---|---:|---:|---|---:|---:|---:|");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mut ratios = Vec::new();
    let mut overheads = Vec::new();
    for (route, w) in routes.iter().zip(&samples) {
        let (host, handler, raw) = (
            median(&w[0], every),
            median(&w[1], every),
            median(&w[2], every),
        );
        let ratio = handler.as_secs_f64() / raw.as_secs_f64();
        let overhead = ms(host) - ms(handler);
        ratios.push(ratio);
        overheads.push(overhead);
        println!(
            "| {} | {:.2} ms | {:.2} ms | {} | {:.2} ms | {ratio:.2} | {overhead:.2} ms |",
            route.name,
            ms(host),
            ms(handler),
            route.calls,
            ms(raw),
        );
    }
    // What following a call through the host does to a call: the host's and the function's
    // work after the response (the function's next `next`, logging) shares the two cores.
    println!("\nmedian after a host call ÷ median after the other in-process way (each way follows the host in half its rounds)\n");
    println!("| route | handler | raw calls |\n|---|---:|---:|");
    for (route, w) in routes.iter().zip(&samples) {
        let effect = |k: usize| {
            median(&w[k], |s| s.after_host).as_secs_f64()
                / median(&w[k], |s| !s.after_host).as_secs_f64()
        };
        println!("| {} | {:.2} | {:.2} |", route.name, effect(1), effect(2));
    }
    // Storage requests per call of each route, as the IAM proxy counted the function's.
    let counted = proxied_requests().await;
    let calls = (batches * WARMUP_BATCH + ROUNDS) as f64;
    println!("\nrequests per call through the host (counted by the local IAM proxy)\n");
    println!("| route | function | requests per call |\n|---|---|---|");
    for route in &routes {
        let before = counted_from.get(route.function);
        let per_call: Vec<String> = counted
            .get(route.function)
            .into_iter()
            .flatten()
            .map(|(op, n)| {
                let was = before.and_then(|b| b.get(op)).copied().unwrap_or(0);
                format!("{op} {:.2}", (n - was) as f64 / calls)
            })
            .collect();
        println!(
            "| {} | {} | {} |",
            route.name,
            route.function,
            per_call.join(", ")
        );
    }
    let worst = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!("\n(the BENCH figures are the worst route's)");
    println!("BENCH handler_vs_raw {:.2} <=1.1", worst(&ratios));
    println!("BENCH host_overhead_ms {:.2} <=0.5", worst(&overheads));
}
