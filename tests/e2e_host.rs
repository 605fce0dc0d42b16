//! End to end through the local host: a real HTTP client, signed tokens, the real function
//! binaries, DynamoDB Local.

use coach_local::jwt;
use coach_tests::{host_url, http, token, unique_user, validation};
use serde_json::{json, Value};

const ROUTE: &str = "/coaching/personalization";

async fn get(bearer: Option<&str>) -> (u16, Option<String>, Value) {
    let mut req = http().get(format!("{}{ROUTE}", host_url()));
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("host answers");
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, etag, resp.json().await.unwrap_or(Value::Null))
}

async fn put(bearer: &str, if_match: &str, body: String) -> (u16, Option<String>, String, Value) {
    let resp = http()
        .put(format!("{}{ROUTE}", host_url()))
        .bearer_auth(bearer)
        .header("content-type", "application/json")
        .header("if-match", if_match)
        .body(body)
        .send()
        .await
        .expect("host answers");
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header("etag");
    let content_type = header("content-type").unwrap_or_default();
    (
        status,
        etag,
        content_type,
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn read_write_read_through_the_host() {
    let t = token(&unique_user("e2e"));
    let (status, etag, body) = get(Some(&t)).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"0\"")));
    assert_eq!(body["version"], 0);

    let doc = json!({
        "timezone": "Asia/Kolkata",
        "message_frequency": "daily",
        "quiet_hours": {"start": "23:00", "end": "06:00"},
        "preferred_windows": [{"start": "06:30", "end": "07:30"}],
        "type_weights": {"general_wisdom": 0.25},
    });
    let (status, etag, _, body) = put(&t, "\"0\"", doc.to_string()).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")), "{body}");

    let (status, etag, body) = get(Some(&t)).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"1\"")));
    assert_eq!(body["timezone"], "Asia/Kolkata");
    assert_eq!(body["message_frequency"], "daily");
    assert_eq!(
        body["preferred_windows"],
        json!([{"start": "06:30", "end": "07:30"}])
    );
    assert_eq!(body["type_weights"]["general_wisdom"], 0.25);
}

#[tokio::test]
async fn missing_expired_forged_or_foreign_tokens_get_401_before_any_handler() {
    let sub = unique_user("auth");
    let v = validation();
    let now = chrono::Utc::now().timestamp();
    let expired = jwt::token_for(&sub, &v, now - 7200, 3600).expect("signed");
    let mut other_key = v.clone();
    other_key.secret = b"not-the-local-secret".to_vec();
    let forged = jwt::token_for(&sub, &other_key, now, 3600).expect("signed");
    let mut other_aud = v.clone();
    other_aud.audience = vec!["another-app".into()];
    let wrong_audience = jwt::token_for(&sub, &other_aud, now, 3600).expect("signed");
    let mut other_iss = v.clone();
    other_iss.issuer = "https://evil.example/".into();
    let wrong_issuer = jwt::token_for(&sub, &other_iss, now, 3600).expect("signed");
    // A valid token whose payload was swapped for another user's.
    let good = token(&sub);
    let victim = token("someone-else");
    let g: Vec<&str> = good.split('.').collect();
    let w: Vec<&str> = victim.split('.').collect();
    let spliced = format!("{}.{}.{}", g[0], w[1], g[2]);

    for (what, t) in [
        ("none", None),
        ("garbage", Some("not-a-jwt")),
        ("expired", Some(expired.as_str())),
        ("forged", Some(forged.as_str())),
        ("wrong audience", Some(wrong_audience.as_str())),
        ("wrong issuer", Some(wrong_issuer.as_str())),
        ("spliced", Some(spliced.as_str())),
    ] {
        let (status, _, body) = get(t).await;
        assert_eq!(status, 401, "{what}");
        assert_eq!(body, json!({"message": "Unauthorized"}), "{what}");
        // A PUT with a bad token changes nothing either.
        if let Some(t) = t {
            let (status, ..) = put(t, "\"0\"", r#"{"timezone":"Europe/Oslo"}"#.into()).await;
            assert_eq!(status, 401, "{what} PUT");
        }
    }
    let (_, etag, _) = get(Some(&good)).await;
    assert_eq!(
        etag.as_deref(),
        Some("\"0\""),
        "a refused write left something behind"
    );
}

#[tokio::test]
async fn a_second_user_can_neither_read_nor_change_the_first_users_document() {
    let alice = token(&unique_user("alice"));
    let bob = token(&unique_user("bob"));
    let (status, ..) = put(
        &alice,
        "\"0\"",
        r#"{"preferred_tone":"wise","custom_motivations":["private"]}"#.into(),
    )
    .await;
    assert_eq!(status, 200);

    // Bob sees his own defaults, not Alice's document.
    let (status, etag, body) = get(Some(&bob)).await;
    assert_eq!((status, etag.as_deref()), (200, Some("\"0\"")));
    assert_eq!(body["custom_motivations"], json!([]));

    // Bob's write, even naming Alice's version, lands in his own document or nowhere.
    let (status, ..) = put(&bob, "\"1\"", r#"{"preferred_tone":"urgent"}"#.into()).await;
    assert_eq!(status, 412);
    let (status, ..) = put(&bob, "\"0\"", r#"{"preferred_tone":"urgent"}"#.into()).await;
    assert_eq!(status, 200);

    let (_, etag, body) = get(Some(&alice)).await;
    assert_eq!(etag.as_deref(), Some("\"1\""));
    assert_eq!(body["preferred_tone"], "wise");
    assert_eq!(body["custom_motivations"], json!(["private"]));
}

#[tokio::test]
async fn concurrent_writes_from_one_version_let_exactly_one_through() {
    let t = token(&unique_user("race"));
    let writes = (0..6).map(|i| {
        let t = t.clone();
        async move {
            put(
                &t,
                "\"0\"",
                format!(r#"{{"custom_motivations":["device {i}"]}}"#),
            )
            .await
            .0
        }
    });
    let mut statuses: Vec<u16> = futures_join(writes).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412]);
    let (_, etag, _) = get(Some(&t)).await;
    assert_eq!(etag.as_deref(), Some("\"1\""));
}

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn problems_come_back_as_problem_json_through_the_host() {
    let t = token(&unique_user("problem"));
    let big = format!(r#"{{"language":"en","x":"{}"}}"#, "a".repeat(64 * 1024));
    let (status, _, content_type, body) = put(&t, "\"0\"", big).await;
    assert_eq!(status, 413);
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(
        body["type"],
        "https://coach.tug.app/problems/body-too-large"
    );

    let (status, _, content_type, body) =
        put(&t, "\"0\"", r#"{"timezone":"Nowhere/Land"}"#.into()).await;
    assert_eq!(
        (status, content_type.as_str()),
        (422, "application/problem+json")
    );
    assert_eq!(body["errors"][0]["field"], "timezone");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404() {
    let t = token(&unique_user("404"));
    for (method, path) in [
        ("GET", "/coaching/nothing"),
        ("DELETE", ROUTE),
        ("GET", "/"),
    ] {
        let resp = http()
            .request(
                method.parse().expect("method"),
                format!("{}{path}", host_url()),
            )
            .bearer_auth(&t)
            .send()
            .await
            .expect("host answers");
        assert_eq!(resp.status().as_u16(), 404, "{method} {path}");
    }
}
