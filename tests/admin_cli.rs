//! Every admin function through the AWS CLI (`aws lambda invoke --endpoint-url <host>`), with
//! a good payload and with malformed ones (a structured `InvalidPayload` error that changes
//! nothing).

use std::time::{Duration, Instant};

use chrono::Utc;
use coach_tests::{cli_invoke_json, seed_message, stores, unique_user};
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use serde_json::{json, Value};

/// A successful admin call's output.
fn ok(function: &str, payload: Value) -> Value {
    let (exit, text, body) = cli_invoke_json(function, &payload);
    assert!(exit, "{function}: {text}");
    assert!(
        !text.contains("FunctionError"),
        "{function} {payload}: {text} {body}"
    );
    body
}

/// A refused admin call's error payload.
fn refused(function: &str, payload: Value) -> Value {
    let (exit, text, body) = cli_invoke_json(function, &payload);
    assert!(exit, "the CLI itself succeeds: {text}");
    assert!(
        text.contains("FunctionError"),
        "{function} {payload} was accepted: {body}"
    );
    body
}

fn template(id: &str, title: &str) -> Value {
    json!({
        "id": id,
        "message_types": ["general_wisdom"],
        "tone": "encouraging",
        "variants": [{"id": "a", "content": {"en": {"title": title, "body": "Small steps, {name|friend}."}}}]
    })
}

#[test]
fn malformed_payloads_get_a_structured_error_from_every_admin_function() {
    for function in [
        "admin-system-health",
        "admin-generate-all",
        "admin-deliver-scheduled",
        "admin-analytics",
        "admin-templates",
        "admin-seed-templates",
        "admin-cleanup",
        "admin-model",
        "admin-experiments",
    ] {
        for payload in [json!({"bogus": 1}), json!([1, 2]), json!("text")] {
            let e = refused(function, payload.clone());
            assert_eq!(
                e["errorType"], "InvalidPayload",
                "{function} {payload}: {e}"
            );
            assert!(
                e["errorMessage"].as_str().is_some_and(|m| !m.is_empty()),
                "{e}"
            );
        }
    }
    for (function, payload, field) in [
        ("admin-cleanup", json!({"days": 0}), "days"),
        ("admin-cleanup", json!({"days": "ninety"}), "days"),
        ("admin-generate-all", json!({"segments": 0}), "segments"),
        (
            "admin-generate-all",
            json!({"segments": 2, "run_id": "x"}),
            "run_id",
        ),
        ("admin-analytics", json!({"date": "2026-13-45"}), "date"),
        ("admin-analytics", json!({"date": "-9999-01-01"}), "date"),
        ("admin-templates", json!({"action": "explode"}), "explode"),
        ("admin-templates", json!({"action": "get"}), "id"),
        (
            "admin-templates",
            json!({"action": "list", "id": "x"}),
            "id",
        ),
        (
            "admin-model",
            json!({"action": "list", "version": "2027-01-01"}),
            "version",
        ),
        (
            "admin-model",
            json!({"action": "get", "version": "soon"}),
            "version",
        ),
    ] {
        let e = refused(function, payload.clone());
        assert_eq!(
            e["errorType"], "InvalidPayload",
            "{function} {payload}: {e}"
        );
        assert!(
            e["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .contains(field),
            "{function} {payload}: {e}"
        );
    }
}

#[test]
fn the_daily_fit_is_stored_by_version_and_shown() {
    // Two past days' fits (replays with `as_of`), the second run twice: one version each.
    let day = |n: i64| (Utc::now() - chrono::Duration::days(n)).date_naive();
    let fitted_at = |n: i64| format!("{}T00:15:00Z", day(n));
    let first = ok("job-fit-model", json!({"as_of": fitted_at(3)}));
    assert_eq!(first["version"], json!(day(3)), "{first}");
    assert_eq!(first["data_to"], json!(day(4)), "{first}");
    ok("job-fit-model", json!({"as_of": fitted_at(2)}));
    ok("job-fit-model", json!({"as_of": fitted_at(2)}));
    let versions = ok("admin-model", json!({"action": "list"}))["versions"].clone();
    let listed: Vec<&str> = versions
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let (d2, d3) = (day(2).to_string(), day(3).to_string());
    let at = |d: &str| listed.iter().position(|x| *x == d);
    assert!(at(&d2).is_some() && at(&d2) < at(&d3), "{listed:?}");
    assert_eq!(
        listed.iter().filter(|x| **x == d2).count(),
        1,
        "a rerun replaces its day's version"
    );
    let old = ok("admin-model", json!({"action": "get", "version": d3}));
    assert_eq!(old["data_to"], json!(day(4)), "{old}");
    let newest = ok("admin-model", json!({"action": "get"}));
    assert!(newest["fitted_at"].is_string(), "{newest}");
    let e = refused(
        "admin-model",
        json!({"action": "get", "version": "2001-01-01"}),
    );
    assert_eq!(e["errorType"], "NotFound", "{e}");
    // A fit may not run ahead of the clock.
    let e = refused("job-fit-model", json!({"as_of": "2999-01-01T00:00:00Z"}));
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("as_of"),
        "{e}"
    );
}

#[test]
fn templates_are_seeded_once_then_managed() {
    let first = ok("admin-seed-templates", json!({}));
    let second = ok("admin-seed-templates", json!({}));
    assert_eq!(
        second["created"],
        json!([]),
        "seeding again creates nothing: {first} {second}"
    );
    let listed = ok("admin-templates", json!({"action": "list"}));
    let built_in = coaching::engine::catalogue::default_templates().len() as u64;
    assert!(
        listed["count"].as_u64().unwrap_or(0) >= built_in,
        "{listed}"
    );
    assert_eq!(
        listed["source"], "stored",
        "the seeded table is the catalogue in use"
    );

    let id = format!("t-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    // An invalid template is refused and nothing is stored.
    let mut bad = template(&id, "");
    bad["variants"][0]["content"]["en"]["body"] = json!("Hello {name");
    let e = refused(
        "admin-templates",
        json!({"action": "upsert", "template": bad}),
    );
    assert_eq!(e["errorType"], "InvalidPayload");
    assert!(
        e["errorMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("template.variants[0].content.en.title"),
        "{e}"
    );
    // An unknown placeholder is named with the allowed ones.
    let mut unknown = template(&id, "Hi {nombre}");
    unknown["tone"] = json!("wise");
    let e = refused(
        "admin-templates",
        json!({"action": "upsert", "template": unknown}),
    );
    let message = e["errorMessage"].as_str().unwrap_or_default();
    assert!(
        e["errorType"] == "InvalidPayload"
            && message.contains("{nombre}")
            && message.contains("{days_since}"),
        "{e}"
    );
    // A template too large for its item is refused as a payload, not failed as Internal.
    let mut huge = template(&id, "Big");
    for i in 0u8..200 {
        let tag = format!("{}{}", char::from(b'a' + i / 26), char::from(b'a' + i % 26));
        huge["variants"][0]["content"][tag] =
            json!({"title": "t".repeat(80), "body": "b".repeat(300)});
    }
    let huge = json!({"action": "upsert", "template": huge});
    let e = refused("admin-templates", huge);
    assert_eq!(e["errorType"], "InvalidPayload", "{e}");
    let missing = refused("admin-templates", json!({"action": "get", "id": id}));
    assert_eq!(missing["errorType"], "NotFound");

    let v1 = ok(
        "admin-templates",
        json!({"action": "upsert", "template": template(&id, "Keep going")}),
    );
    assert_eq!(v1["version"], 1);
    let v2 = ok(
        "admin-templates",
        json!({"action": "upsert", "template": template(&id, "Keep it up")}),
    );
    assert_eq!(v2["version"], 2);
    let got = ok("admin-templates", json!({"action": "get", "id": id}));
    assert_eq!(
        got["template"]["variants"][0]["content"]["en"]["title"],
        "Keep it up"
    );
    let off = ok("admin-templates", json!({"action": "disable", "id": id}));
    assert_eq!(off["template"]["enabled"], false);
    assert_eq!(off["version"], 3);
}

#[test]
fn health_analytics_delivery_and_generation_answer() {
    let health = ok("admin-system-health", json!({}));
    assert!(
        health["due_now"].is_u64() && health["stuck"].is_u64(),
        "{health}"
    );
    assert!(
        matches!(health["status"].as_str(), Some("ok" | "degraded")),
        "{health}"
    );
    assert!(health["dead_letters"]["generate"].is_u64(), "{health}");

    let today = Utc::now().date_naive().to_string();
    let report = ok("admin-analytics", json!({"date": today, "recompute": true}));
    assert_eq!(report["date"], json!(today));
    assert!(
        report["overall"].is_object() && report["experiments"].is_array(),
        "{report}"
    );

    let run = ok("admin-deliver-scheduled", json!({}));
    assert!(run["sent"].is_u64(), "{run}");

    let started = ok("admin-generate-all", json!({"segments": 2}));
    let run_id = started["run_id"].as_str().expect("run id").to_owned();
    let began = Instant::now();
    loop {
        let status = ok("admin-generate-all", json!({"run_id": run_id}));
        if status["finished"] == true {
            assert_eq!(status["run"]["total_segments"], 2);
            break;
        }
        assert!(began.elapsed() < Duration::from_secs(120), "{status}");
        std::thread::sleep(Duration::from_millis(500));
    }
    let unknown = refused("admin-generate-all", json!({"run_id": "no-such-run"}));
    assert_eq!(unknown["errorType"], "NotFound");
}

#[tokio::test]
async fn cleanup_keeps_acted_on_messages_for_a_year() {
    let s = stores().await;
    let user = unique_user("cleanup");
    let id = UserId::parse(&user).expect("user");
    let old = seed_message(
        &s,
        &user,
        "tip:old",
        MessageType::HabitFormationTip,
        MessageStatus::Sent,
        100 * 24,
    )
    .await;
    let recent = seed_message(
        &s,
        &user,
        "tip:new",
        MessageType::HabitFormationTip,
        MessageStatus::Sent,
        10 * 24,
    )
    .await;
    let mut acted = seed_message(
        &s,
        &user,
        "tip:acted",
        MessageType::HabitFormationTip,
        MessageStatus::Sent,
        100 * 24,
    )
    .await;
    // Acted on the day after it was sent: kept for 365 days after that.
    acted.id = coaching::engine::plan::message_id(&user, "tip:acted-2");
    acted.occurrence = "tip:acted-2".into();
    acted.status = MessageStatus::Acted;
    acted.read_at = Some(acted.send_at + chrono::Duration::days(1));
    acted.acted_at = acted.read_at;
    s.messages.create(&id, &acted).await.expect("acted message");

    // A bad payload deletes nothing.
    refused("admin-cleanup", json!({"days": -5}));
    assert!(s.messages.get(&id, &old.id).await.expect("read").is_some());

    let done = ok("admin-cleanup", json!({"days": 90}));
    assert!(done["deleted"].as_u64().unwrap_or(0) >= 2, "{done}");
    assert!(
        s.messages.get(&id, &old.id).await.expect("read").is_none(),
        "100 days old, not acted on"
    );
    assert!(
        s.messages
            .get(&id, &recent.id)
            .await
            .expect("read")
            .is_some(),
        "10 days old"
    );
    assert!(
        s.messages
            .get(&id, &acted.id)
            .await
            .expect("read")
            .is_some(),
        "acted on 99 days ago"
    );
}
