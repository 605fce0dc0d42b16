//! End to end through the local host (HTTP, signed tokens, the real function binaries): every
//! user route answers, and for every route that takes an id another user can neither read nor
//! change it.

use coach_tests::{call, endpoints_for, seed_message, stores, unique_user};
use coaching::domain::messages::MessageStatus;
use coaching::domain::preferences::MessageType;
use coaching::domain::user::UserId;
use serde_json::json;

#[tokio::test]
async fn every_route_answers_through_the_host() {
    let user = unique_user("e2e");
    let token = "e2".repeat(32);
    let (status, body) = call(
        "PUT",
        "/coaching/devices/phone-1",
        &user,
        Some(json!({"platform": "apns", "token": token})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, generated) = call("POST", "/coaching/generate", &user, Some(json!({}))).await;
    assert!(status == 201 || status == 200, "{generated}");

    let s = stores().await;
    let m = seed_message(
        &s,
        &user,
        "e2e:sent",
        MessageType::GeneralWisdom,
        MessageStatus::Sent,
        1,
    )
    .await;
    let (status, list) = call("GET", "/coaching/messages?limit=100", &user, None).await;
    assert_eq!(status, 200, "{list}");
    let listed = list["messages"]
        .as_array()
        .map(Vec::len)
        .unwrap_or_default();
    assert_eq!(
        listed,
        generated["planned"].as_array().map_or(0, Vec::len) + 1
    );
    let (status, body) = call(
        "POST",
        &format!("/coaching/messages/{}/interact", m.id),
        &user,
        Some(json!({"action": "opened"})),
    )
    .await;
    assert_eq!(
        (status, body["message"]["status"].as_str()),
        (200, Some("read")),
        "{body}"
    );
    let (status, body) = call(
        "POST",
        &format!("/coaching/messages/{}/feedback", m.id),
        &user,
        Some(json!({"helpful": true})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, summary) = call("GET", "/coaching/summary", &user, None).await;
    assert_eq!(
        (status, summary["read"].as_u64()),
        (200, Some(1)),
        "{summary}"
    );
    let (status, insights) = call("GET", "/coaching/insights", &user, None).await;
    assert_eq!(status, 200, "{insights}");
    assert!(insights["segment"].is_string());
    let (status, export) = call("GET", "/coaching/me/export", &user, None).await;
    assert_eq!(status, 200);
    assert_eq!(export["feedback"][0]["message_id"], m.id.as_str());
    let (status, _) = call("DELETE", "/coaching/devices/phone-1", &user, None).await;
    assert_eq!(status, 204);
    assert!(endpoints_for(&[&token]).await.is_empty());
    let (status, _) = call("DELETE", "/coaching/me", &user, None).await;
    assert_eq!(status, 204);
    let (_, after) = call("GET", "/coaching/messages", &user, None).await;
    assert_eq!(after["messages"], json!([]));
}

#[tokio::test]
async fn another_users_message_is_404_and_stays_unchanged() {
    let s = stores().await;
    let (owner, intruder) = (unique_user("owner"), unique_user("intruder"));
    let m = seed_message(
        &s,
        &owner,
        "mine",
        MessageType::StreakMotivation,
        MessageStatus::Sent,
        1,
    )
    .await;
    let (status, body) = call(
        "POST",
        &format!("/coaching/messages/{}/interact", m.id),
        &intruder,
        Some(json!({"action": "acted"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        body["type"],
        "https://coach.tug.app/problems/message-not-found"
    );
    let (status, _) = call(
        "POST",
        &format!("/coaching/messages/{}/feedback", m.id),
        &intruder,
        Some(json!({"rating": 1})),
    )
    .await;
    assert_eq!(status, 404);
    let (_, list) = call("GET", "/coaching/messages", &intruder, None).await;
    assert_eq!(list["messages"], json!([]));
    let stored = s
        .messages
        .get(&UserId::parse(&owner).unwrap(), &m.id)
        .await
        .unwrap();
    assert_eq!(stored, Some(m), "the owner's message is untouched");
}

#[tokio::test]
async fn another_users_device_id_is_theirs_alone() {
    let (owner, intruder) = (unique_user("dev-owner"), unique_user("dev-intruder"));
    let token = "d0".repeat(32);
    let register = |sub: String, tok: String| async move {
        call(
            "PUT",
            "/coaching/devices/shared-name",
            &sub,
            Some(json!({"platform": "apns", "token": tok})),
        )
        .await
    };
    assert_eq!(register(owner.clone(), token.clone()).await.0, 201);
    // The same device id under another user is another device: deleting it leaves the owner's.
    let (status, _) = call("DELETE", "/coaching/devices/shared-name", &intruder, None).await;
    assert_eq!(status, 204);
    assert_eq!(endpoints_for(&[&token]).await.len(), 1);
    let (status, _) = register(intruder.clone(), "d1".repeat(32)).await;
    assert_eq!(
        status, 201,
        "a new device for the intruder, not an update of the owner's"
    );
    let (_, export) = call("GET", "/coaching/me/export", &owner, None).await;
    assert_eq!(export["devices"][0]["token"], token.as_str());
}

#[tokio::test]
async fn bad_input_through_the_host_is_problem_json_never_5xx() {
    let user = unique_user("bad");
    let id = "0".repeat(32);
    let cases = [
        ("GET", "/coaching/messages?limit=1000".to_owned(), None, 400),
        ("GET", "/coaching/messages?cursor=%00".to_owned(), None, 400),
        (
            "POST",
            format!("/coaching/messages/{id}/interact"),
            Some(json!({"action": 7})),
            422,
        ),
        (
            "POST",
            format!("/coaching/messages/{id}/feedback"),
            Some(json!([1, 2])),
            422,
        ),
        (
            "POST",
            "/coaching/generate".to_owned(),
            Some(json!({"now": "2020-01-01"})),
            422,
        ),
        (
            "PUT",
            "/coaching/devices/x".to_owned(),
            Some(json!({"platform": "apns", "token": ""})),
            422,
        ),
        ("GET", "/coaching/summary?x=1".to_owned(), None, 400),
    ];
    for (method, path, body, want) in cases {
        let (status, problem) = call(method, &path, &user, body).await;
        assert_eq!(status, want, "{method} {path}: {problem}");
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("https://coach.tug.app/problems/")),
            "{problem}"
        );
    }
}
