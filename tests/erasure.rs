//! Erasure stays erased: work begun before a user's erasure never leaves anything behind,
//! however late it lands (an activity event in flight, a generation run holding the user's
//! segment, a racing device registration, generate or preferences write), and the erasure
//! does not reset the user's rate limits. A "racing" writer is made deterministic by writing
//! the erasure's first step (the tombstone) and letting the writer run before the deletes, as
//! a crash between the two would leave it.

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use coach_tests::{
    call, endpoints_for, env, fixture, invoke, jobs, quiet_now_preferences, segment_worker, stores,
    unique_user,
};
use coaching::app::generation::{Generator, SegmentRun};
use coaching::domain::events::GenerateSegment;
use coaching::domain::user::UserId;
use serde_json::{json, Value};

fn user(prefix: &str) -> UserId {
    UserId::parse(&unique_user(prefix)).expect("user")
}

fn activity(user: &UserId, id: &str, at: chrono::DateTime<Utc>) -> Value {
    let mut e = fixture("events-activity-logged");
    e["detail"]["user_id"] = json!(user.as_str());
    e["detail"]["activity_id"] = json!(id);
    e["detail"]["occurred_at"] = json!(at.to_rfc3339());
    e
}

/// Every item of the user's profile partition (sort keys) and their messages (ids).
async fn left_of(user: &UserId) -> (Vec<String>, Vec<String>) {
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let mut out = Vec::new();
    for table in ["PROFILES_TABLE", "MESSAGES_TABLE"] {
        let items = client
            .query()
            .table_name(env(table))
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(format!("USER#{user}")))
            .consistent_read(true)
            .send()
            .await
            .expect("query")
            .items
            .unwrap_or_default();
        out.push(
            items
                .iter()
                .filter_map(|i| i.get("sk")?.as_s().ok().cloned())
                .collect::<Vec<_>>(),
        );
    }
    let messages = out.pop().unwrap_or_default();
    let profile = out.pop().unwrap_or_default();
    (profile, messages)
}

async fn erase(user: &UserId) {
    let (status, body) = call("DELETE", "/coaching/me", user.as_str(), None).await;
    assert_eq!(status, 204, "{body}");
}

#[tokio::test]
async fn activity_from_before_an_erasure_never_comes_back() {
    let u = user("erase-activity");
    let before = Utc::now() - Duration::hours(2);
    let (ok, answer) = invoke("events-activity-logged", &activity(&u, "a-1", before)).await;
    assert!(ok && answer["applied"] == "counted", "{answer}");
    erase(&u).await;
    assert_eq!(left_of(&u).await, (vec![], vec![]));

    // The same event redelivered, and another from before the erasure arriving late.
    for (id, at) in [("a-1", before), ("a-2", Utc::now() - Duration::minutes(1))] {
        let (ok, answer) = invoke("events-activity-logged", &activity(&u, id, at)).await;
        assert!(ok, "{answer}");
        assert_eq!(answer["applied"], "erased", "{answer}");
    }
    assert_eq!(left_of(&u).await, (vec![], vec![]), "nothing re-created");

    // Activity after the erasure (beyond the clocks' skew) is new data and counts.
    let skew = coaching::engine::retention::ERASURE_SKEW_SECS;
    tokio::time::sleep(std::time::Duration::from_secs(skew.unsigned_abs() + 1)).await;
    let after = Utc::now();
    let (ok, answer) = invoke("events-activity-logged", &activity(&u, "a-3", after)).await;
    assert!(ok && answer["applied"] == "counted", "{answer}");
}

#[tokio::test]
async fn a_generation_run_overtaken_by_an_erasure_leaves_nothing() {
    let j = jobs().await;
    let (erased, kept) = (user("erase-gen"), user("erase-gen-kept"));
    for u in [&erased, &kept] {
        j.stores
            .profiles
            .put_preferences(
                u,
                quiet_now_preferences(chrono_tz::Europe::Berlin),
                0,
                Utc::now(),
            )
            .await
            .expect("seed");
    }
    // The erasure has written its tombstone and not yet deleted anything when the run reads
    // and plans the user.
    j.stores
        .profiles
        .mark_erased(&erased, Utc::now())
        .await
        .expect("tombstone");
    let generator = Generator::default();
    let worker = segment_worker(&j, &generator);
    let mut work = GenerateSegment {
        run_id: unique_user("erase-run"),
        as_of: Utc::now(),
        segment: 0,
        total_segments: 1,
        start: None,
        pinned: false,
    };
    let deadline = Instant::now() + std::time::Duration::from_secs(600);
    loop {
        match worker.run(&work, deadline).await.expect("worker") {
            SegmentRun::Busy => panic!("nobody else holds this segment"),
            SegmentRun::Worked { next: None, .. } => break,
            SegmentRun::Worked { next, .. } => work.start = next,
        }
    }
    assert!(
        !left_of(&kept).await.1.is_empty(),
        "the run planned its other users"
    );
    let (profile_items, messages) = left_of(&erased).await;
    assert!(
        messages.is_empty(),
        "the erased user's messages were undone"
    );
    assert!(
        !profile_items.iter().any(|sk| sk.starts_with('~')),
        "and their ledger: {profile_items:?}"
    );
    assert!(
        left_of(&kept).await.0.iter().any(|sk| sk.starts_with('~')),
        "the other user's ledger was written"
    );
    erase(&erased).await;
    assert_eq!(left_of(&erased).await, (vec![], vec![]));
}

#[tokio::test]
async fn a_device_registration_racing_an_erasure_is_undone() {
    let s = stores().await;
    let u = user("erase-device");
    let token = "ab".repeat(32);
    let body = json!({"platform": "apns", "token": token});
    s.profiles
        .mark_erased(&u, Utc::now())
        .await
        .expect("tombstone");
    let (status, answer) = call(
        "PUT",
        "/coaching/devices/phone",
        u.as_str(),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["type"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/erased"));
    assert_eq!(left_of(&u).await, (vec![], vec![]), "no device item");
    assert!(
        endpoints_for(&[&token]).await.is_empty(),
        "no SNS endpoint left"
    );

    // An erasure well before the registration: the registration is new data and stands.
    s.profiles
        .mark_erased(&u, Utc::now() - Duration::minutes(1))
        .await
        .expect("tombstone");
    let (status, answer) = call("PUT", "/coaching/devices/phone", u.as_str(), Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    erase(&u).await;
    assert!(endpoints_for(&[&token]).await.is_empty());
}

#[tokio::test]
async fn generate_and_preferences_racing_an_erasure_are_undone() {
    let s = stores().await;
    let u = user("erase-write");
    s.profiles
        .put_preferences(
            &u,
            quiet_now_preferences(chrono_tz::Europe::Berlin),
            0,
            Utc::now(),
        )
        .await
        .expect("seed");
    s.profiles
        .mark_erased(&u, Utc::now())
        .await
        .expect("tombstone");
    let (status, answer) = call("POST", "/coaching/generate", u.as_str(), None).await;
    assert!(
        status == 409 || (status == 200 && answer["planned"] == json!([])),
        "{status} {answer}"
    );
    assert!(left_of(&u).await.1.is_empty(), "no message kept");
    let (status, answer) = call(
        "PUT",
        "/coaching/personalization",
        u.as_str(),
        Some(json!({"version": 1, "timezone": "Europe/Berlin"})),
    )
    .await;
    assert_eq!(status, 409, "{answer}");
    let prefs = s.profiles.preferences(&u).await.expect("read");
    assert_eq!(prefs.version, 0, "the write was undone");
}

#[tokio::test]
async fn an_erasure_keeps_the_rate_limit_and_its_tombstone_holds_no_personal_data() {
    let u = user("erase-rate");
    let max = functions::api_generate_messages::MAX_RUNS_PER_HOUR;
    for _ in 0..max {
        let (status, answer) = call("POST", "/coaching/generate", u.as_str(), None).await;
        assert!(status == 200 || status == 201, "{status} {answer}");
    }
    erase(&u).await;
    let (status, _) = call("POST", "/coaching/generate", u.as_str(), None).await;
    assert_eq!(status, 429, "the erasure did not reset the limit");

    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    let items = client
        .scan()
        .table_name(env("PROFILES_TABLE"))
        .filter_expression("begins_with(pk, :e)")
        .expression_attribute_values(":e", AttributeValue::S("ERASED#".into()))
        .send()
        .await
        .expect("scan")
        .items
        .unwrap_or_default();
    assert!(!items.is_empty());
    for item in items {
        let text = format!("{item:?}");
        assert!(!text.contains(u.as_str()), "{text}");
        let mut names: Vec<&str> = item.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["erased_at", "expires_at", "pk", "sk"]);
    }
}
