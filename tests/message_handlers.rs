//! Handler tests of the message endpoints (list, summary, interact, feedback, insights,
//! generate): events from the `events/` fixtures, handlers called directly, storage in
//! DynamoDB Local.

use chrono::{Duration, Utc};
use coach_tests::{fixture, parts, request, seed_message, stores, unique_user, with_sub};
use coaching::domain::events::ActivityEvent;
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use coaching::engine::summary::BehaviourSummary;
use functions::api_generate_messages::MAX_RUNS_PER_HOUR;
use functions::{
    api_feedback_message, api_generate_messages, api_get_insights, api_get_summary,
    api_interact_message, api_list_messages, Stores,
};
use serde_json::{json, Value};

/// The fixture `name` for `user`, with a message id, body and query as given.
fn event(
    name: &str,
    user: &str,
    id: Option<&str>,
    body: Option<Value>,
    query: &[(&str, &str)],
) -> lambda_http::Request {
    let mut e = with_sub(fixture(name), user);
    if let Some(id) = id {
        e["pathParameters"] = json!({ "id": id });
        let path = format!(
            "/coaching/messages/{id}/{}",
            name.rsplit('-').nth(1).unwrap_or_default()
        );
        e["rawPath"] = json!(path);
    }
    if let Some(b) = body {
        e["body"] = json!(b.to_string());
    }
    if query.is_empty() {
        e.as_object_mut().map(|o| o.remove("queryStringParameters"));
        e["rawQueryString"] = json!("");
    } else {
        let map: serde_json::Map<String, Value> = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        e["queryStringParameters"] = Value::Object(map);
        let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        e["rawQueryString"] = json!(raw.join("&"));
    }
    request(&e)
}

async fn list(s: &Stores, user: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let resp = api_list_messages::handle(s, event("api-list-messages", user, None, None, query))
        .await
        .expect("handlers answer");
    let (status, _, body) = parts(resp);
    (status, body)
}

async fn interact(s: &Stores, user: &str, id: &str, action: &str) -> (u16, Value) {
    let req = event(
        "api-interact-message",
        user,
        Some(id),
        Some(json!({ "action": action })),
        &[],
    );
    let (status, _, body) = parts(
        api_interact_message::handle(s, None, req)
            .await
            .expect("handlers answer"),
    );
    (status, body)
}

async fn feedback(s: &Stores, user: &str, id: &str, body: Value) -> (u16, Value) {
    let req = event("api-feedback-message", user, Some(id), Some(body), &[]);
    let (status, _, body) = parts(
        api_feedback_message::handle(s, req)
            .await
            .expect("handlers answer"),
    );
    (status, body)
}

fn ids(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_list_is_newest_first_filtered_and_pages_without_gaps_or_repeats() {
    let s = stores().await;
    let user = unique_user("list");
    let mut seeded = Vec::new();
    for i in 0..7 {
        let status = if i % 2 == 0 {
            MessageStatus::Sent
        } else {
            MessageStatus::Read
        };
        let ty = if i < 3 {
            MessageType::GeneralWisdom
        } else {
            MessageType::MorningMotivation
        };
        seeded.push(seed_message(&s, &user, &format!("occ:{i}"), ty, status, 10 - i).await);
    }
    let newest_first: Vec<String> = seeded.iter().rev().map(|m| m.id.clone()).collect();

    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut q = vec![("limit", "3")];
        if let Some(c) = &cursor {
            q.push(("cursor", c.as_str()));
        }
        let (status, page) = list(&s, &user, &q).await;
        assert_eq!(status, 200, "{page}");
        assert!(page["messages"].as_array().is_some_and(|a| a.len() <= 3));
        walked.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, newest_first);

    let (_, sent) = list(&s, &user, &[("status", "sent")]).await;
    let expect: Vec<String> = seeded
        .iter()
        .rev()
        .filter(|m| m.status == MessageStatus::Sent)
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(ids(&sent), expect);
    let (_, wisdom) = list(&s, &user, &[("type", "general_wisdom"), ("limit", "1")]).await;
    assert_eq!(ids(&wisdom), vec![seeded[2].id.clone()]);
    assert!(wisdom["next_cursor"].is_string());
    let (_, unread) = list(&s, &user, &[("unread", "true")]).await;
    assert_eq!(ids(&unread), expect, "sent and not yet read");

    // Another user's list is empty.
    let (_, other) = list(&s, &unique_user("other"), &[]).await;
    assert_eq!(ids(&other), Vec::<String>::new());
}

#[tokio::test]
async fn bad_list_queries_are_400_naming_the_parameter() {
    let s = stores().await;
    let user = unique_user("list-bad");
    for (q, field) in [
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "101")], "limit"),
        (vec![("limit", "ten")], "limit"),
        (vec![("status", "lost")], "status"),
        (vec![("type", "spam")], "type"),
        (vec![("unread", "yes")], "unread"),
        (vec![("page", "2")], "page"),
    ] {
        let (status, body) = list(&s, &user, &q).await;
        assert_eq!(status, 400, "{q:?}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{q:?}: {body}");
    }
    for cursor in ["garbage", "YzF8bm90LWEtdGltZSM", &"A".repeat(300)] {
        let (status, body) = list(&s, &user, &[("cursor", cursor)]).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            body["type"],
            "https://coach.tug.app/problems/invalid-cursor"
        );
    }
}

#[tokio::test]
async fn interactions_are_idempotent_keep_timestamps_extend_retention_and_count_once() {
    let s = stores().await;
    let user = unique_user("interact");
    let m = seed_message(
        &s,
        &user,
        "occ:acted",
        MessageType::StreakMotivation,
        MessageStatus::Sent,
        1,
    )
    .await;

    let (status, first) = interact(&s, &user, &m.id, "acted").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["changed"], true);
    assert_eq!(first["message"]["status"], "acted");
    let acted_at = first["message"]["acted_at"].clone();
    assert!(acted_at.is_string() && first["message"]["read_at"].is_string());

    let (status, again) = interact(&s, &user, &m.id, "acted").await;
    assert_eq!(status, 200);
    assert_eq!(again["changed"], false);
    assert_eq!(
        again["message"]["acted_at"], acted_at,
        "the first time is kept"
    );
    let (_, dismissed) = interact(&s, &user, &m.id, "dismissed").await;
    assert_eq!(
        dismissed["message"]["status"], "acted",
        "acting outranks dismissing"
    );

    let stats = s
        .messages
        .variant_stats(&[(m.template_id.clone(), m.variant_id.clone())])
        .await
        .expect("stats");
    let v = &stats[&m.template_id][&m.variant_id];
    assert_eq!(
        (v.read, v.acted),
        (1, 1),
        "counted once however often it is repeated"
    );

    // Retention: 365 days after acting, not 90 after sending.
    let raw = raw_item(&user, &m.id).await;
    let retain: i64 = raw["retain_until"]
        .as_n()
        .ok()
        .and_then(|n| n.parse().ok())
        .expect("retain_until");
    assert!(
        retain > (Utc::now() + Duration::days(300)).timestamp(),
        "{retain}"
    );
}

#[tokio::test]
async fn concurrent_interactions_count_once() {
    let s = stores().await;
    let user = unique_user("race");
    let m = seed_message(
        &s,
        &user,
        "occ:race",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        1,
    )
    .await;
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (s, user, id) = (s.clone(), user.clone(), m.id.clone());
            tokio::spawn(async move { interact(&s, &user, &id, "read").await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("task"));
    }
    assert!(results.iter().all(|(st, _)| *st == 200), "{results:?}");
    assert_eq!(
        results.iter().filter(|(_, b)| b["changed"] == true).count(),
        1
    );
    let stats = s
        .messages
        .variant_stats(&[(m.template_id.clone(), "a".into())])
        .await
        .expect("stats");
    assert_eq!(stats[&m.template_id]["a"].read, 1);
}

async fn raw_item(
    user: &str,
    id: &str,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let client = aws_sdk_dynamodb::Client::new(&coaching::aws::sdk_config().await);
    client
        .get_item()
        .table_name(coach_tests::env("MESSAGES_TABLE"))
        .key("pk", AttributeValue::S(format!("USER#{user}")))
        .key("sk", AttributeValue::S(format!("MSG#{id}")))
        .send()
        .await
        .expect("get")
        .item
        .unwrap_or_default()
}

#[tokio::test]
async fn interactions_on_missing_or_undelivered_messages_are_refused() {
    let s = stores().await;
    let user = unique_user("interact-bad");
    let pending = seed_message(
        &s,
        &user,
        "occ:pending",
        MessageType::GeneralWisdom,
        MessageStatus::Scheduled,
        -2,
    )
    .await;
    let (status, body) = interact(&s, &user, &pending.id, "read").await;
    assert_eq!(
        (status, body["type"].as_str()),
        (
            409,
            Some("https://coach.tug.app/problems/message-not-delivered")
        )
    );
    // A bad feedback body is a 422 whatever the message's state: checked before any read.
    for bad in [json!({"rating": 9}), json!({"comment": "x".repeat(501)})] {
        let (status, body) = feedback(&s, &user, &pending.id, bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let (status, _) = feedback(&s, &user, &pending.id, json!({"rating": 4})).await;
    assert_eq!(status, 409, "a good body on an undelivered message");
    let (status, _) = interact(&s, &user, &"0".repeat(32), "read").await;
    assert_eq!(status, 404);
    let (status, _) = interact(&s, &user, "not-an-id", "read").await;
    assert_eq!(status, 404);
    let sent = seed_message(
        &s,
        &user,
        "occ:sent",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        1,
    )
    .await;
    let (status, body) = interact(&s, &user, &sent.id, "liked").await;
    assert_eq!(status, 422, "{body}");
    let after = s
        .messages
        .get(&UserId::parse(&user).unwrap(), &sent.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, sent, "a refused interaction changes nothing");
}

#[tokio::test]
async fn feedback_is_one_per_message_and_updatable() {
    let s = stores().await;
    let user = unique_user("feedback");
    let m = seed_message(
        &s,
        &user,
        "occ:fb",
        MessageType::ProgressEncouragement,
        MessageStatus::Read,
        1,
    )
    .await;
    let req = event("api-feedback-message", &user, Some(&m.id), None, &[]);
    let (status, _, first) = parts(
        api_feedback_message::handle(&s, req)
            .await
            .expect("answers"),
    );
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["rating"], 5);
    let (status, second) = feedback(
        &s,
        &user,
        &m.id,
        json!({"rating": 2, "comment": "  too pushy  "}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(second["comment"], "too pushy");
    assert_eq!(second["submitted_at"], first["submitted_at"]);
    assert!(
        second.get("helpful").is_none(),
        "feedback is replaced, not merged"
    );

    for (bad, field) in [
        (json!({"rating": 0}), "rating"),
        (json!({"rating": 6}), "rating"),
        (json!({"comment": "x".repeat(501)}), "comment"),
        (json!({}), ""),
    ] {
        let (status, body) = feedback(&s, &user, &m.id, bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let (status, _) = feedback(&s, &user, &m.id, json!({"rating": "five"})).await;
    assert_eq!(status, 422);
    let stored = s
        .messages
        .get(&UserId::parse(&user).unwrap(), &m.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.feedback.and_then(|f| f.rating),
        Some(2),
        "bad feedback changes nothing"
    );
}

async fn seed_activity(s: &Stores, user: &str, days: i64) {
    let mut summary = BehaviourSummary::default();
    let tz = chrono_tz::UTC;
    for d in 0..days {
        let at = Utc::now() - Duration::days(d) - Duration::minutes(5);
        summary.apply(
            &ActivityEvent {
                activity_id: format!("a{d}"),
                user_id: user.to_owned(),
                value_id: "run".into(),
                value_name: Some("Running".into()),
                minutes: 35,
                occurred_at: at,
            },
            tz,
        );
    }
    let stored = s
        .profiles
        .put_summary(&UserId::parse(user).unwrap(), &summary, 0)
        .await
        .expect("summary");
    assert!(stored);
}

#[tokio::test]
async fn summary_counts_rates_streak_and_next_message() {
    let s = stores().await;
    let user = unique_user("summary");
    seed_activity(&s, &user, 5).await;
    seed_message(
        &s,
        &user,
        "occ:1",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        3,
    )
    .await;
    let read = seed_message(
        &s,
        &user,
        "occ:2",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        2,
    )
    .await;
    let next = seed_message(
        &s,
        &user,
        "occ:3",
        MessageType::EveningReflection,
        MessageStatus::Scheduled,
        -1,
    )
    .await;
    interact(&s, &user, &read.id, "acted").await;

    let req = event("api-get-summary", &user, None, None, &[]);
    let (status, _, body) = parts(api_get_summary::handle(&s, req).await.expect("answers"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 3);
    assert_eq!(
        body["by_status"],
        json!({"sent": 1, "acted": 1, "scheduled": 1})
    );
    assert_eq!(body["by_type"]["general_wisdom"], 2);
    assert_eq!(
        (
            body["delivered"].as_u64(),
            body["read"].as_u64(),
            body["acted"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(body["read_rate"], 0.5);
    assert_eq!(body["action_rate"], 0.5);
    assert_eq!(body["unread"], 1);
    assert_eq!(body["current_streak"], 5);
    assert_eq!(body["next_scheduled"]["id"], next.id.as_str());
}

#[tokio::test]
async fn insights_show_segment_strength_risk_and_what_works() {
    let s = stores().await;
    let user = unique_user("insights");
    seed_activity(&s, &user, 30).await;
    for i in 0..4 {
        let m = seed_message(
            &s,
            &user,
            &format!("w{i}"),
            MessageType::GeneralWisdom,
            MessageStatus::Sent,
            20 + i,
        )
        .await;
        interact(&s, &user, &m.id, "acted").await;
        seed_message(
            &s,
            &user,
            &format!("e{i}"),
            MessageType::EveningReflection,
            MessageStatus::Sent,
            40 + i,
        )
        .await;
    }
    let req = event("api-get-insights", &user, None, None, &[]);
    let (status, _, body) = parts(api_get_insights::handle(&s, req).await.expect("answers"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["segment"], "habit_master", "{body}");
    assert!(
        body["habit_strength"].as_f64().is_some_and(|v| v > 0.5),
        "{body}"
    );
    assert!(body["formation_probability"]
        .as_f64()
        .is_some_and(|v| v > 0.0 && v <= 1.0));
    assert_eq!(body["current_streak"], 30);
    assert_eq!(body["what_works"]["best_type"], "general_wisdom");
    assert_eq!(body["what_works"]["by_type"][0]["action_rate"], 1.0);
    assert!(body["most_active_hours"]
        .as_array()
        .is_some_and(|h| !h.is_empty()));
}

#[tokio::test]
async fn generate_plans_once_per_occurrence_and_is_rate_limited() {
    let s = stores().await;
    let user = unique_user("generate");
    seed_activity(&s, &user, 3).await;
    let run = || async {
        let req = event("api-generate-messages", &user, None, None, &[]);
        let (status, _, body) = parts(
            api_generate_messages::handle(&s, req)
                .await
                .expect("answers"),
        );
        (status, body)
    };
    let (status, first) = run().await;
    assert_eq!(status, 201, "{first}");
    let planned = first["planned"].as_array().cloned().unwrap_or_default();
    assert!(!planned.is_empty());
    let uid = UserId::parse(&user).unwrap();
    let stored = s.messages.recent(&uid, None, 100).await.unwrap();
    assert_eq!(stored.len(), planned.len());
    assert!(stored.iter().all(|m| m.status == MessageStatus::Scheduled));

    let (status, second) = run().await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["planned"], json!([]));
    assert!(second["nothing_planned_because"].is_string());
    assert_eq!(
        s.messages.recent(&uid, None, 100).await.unwrap().len(),
        planned.len(),
        "no second message per occurrence"
    );

    for _ in 2..MAX_RUNS_PER_HOUR {
        run().await;
    }
    let (status, limited) = run().await;
    assert_eq!(status, 429, "{limited}");
    assert_eq!(
        limited["type"],
        "https://coach.tug.app/problems/rate-limited"
    );

    // A body other than an empty object is refused before the rate limit is touched.
    let other = unique_user("generate-bad");
    let req = event(
        "api-generate-messages",
        &other,
        None,
        Some(json!({"force": true})),
        &[],
    );
    let (status, _, _) = parts(
        api_generate_messages::handle(&s, req)
            .await
            .expect("answers"),
    );
    assert_eq!(status, 422);
}

#[tokio::test]
async fn an_opted_out_user_gets_nothing_and_is_told_why() {
    let s = stores().await;
    let user = unique_user("optout");
    let prefs = coaching::domain::preferences::Preferences {
        coaching_enabled: false,
        ..Default::default()
    };
    s.profiles
        .put_preferences(&UserId::parse(&user).unwrap(), prefs, 0, Utc::now())
        .await
        .unwrap();
    seed_activity(&s, &user, 3).await;
    let req = event("api-generate-messages", &user, None, None, &[]);
    let (status, _, body) = parts(
        api_generate_messages::handle(&s, req)
            .await
            .expect("answers"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["planned"], json!([]));
    assert_eq!(
        body["nothing_planned_because"],
        "Coaching is turned off in your preferences."
    );
}
