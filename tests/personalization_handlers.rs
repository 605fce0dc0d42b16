//! Handler tests of api-get-personalization and api-put-personalization: events from the
//! `events/` fixtures, handlers called directly, storage in DynamoDB Local.

use coach_tests::{fixture, parts, request, unique_user, with_sub};
use coaching::aws::dynamo::ProfileStore;
use functions::{api_get_personalization, api_put_personalization};
use serde_json::{json, Value};

async fn store() -> ProfileStore {
    functions::profile_store()
        .await
        .expect("PROFILES_TABLE is set by coach-local test")
}

async fn get(store: &ProfileStore, sub: &str) -> (u16, String, Value) {
    let event = with_sub(fixture("api-get-personalization"), sub);
    let resp = api_get_personalization::handle(store, request(&event))
        .await
        .expect("handlers answer every request");
    let (status, headers, body) = parts(resp);
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, etag, body)
}

/// PUT with the fixture's event, a new body and `If-Match` (None: no header).
async fn put(store: &ProfileStore, sub: &str, body: &str, if_match: Option<&str>) -> (u16, Value) {
    let mut event = with_sub(fixture("api-put-personalization"), sub);
    event["body"] = Value::String(body.to_owned());
    let headers = event["headers"].as_object_mut().expect("headers");
    match if_match {
        Some(v) => headers.insert("if-match".into(), json!(v)),
        None => headers.remove("if-match"),
    };
    let resp = api_put_personalization::handle(store, request(&event))
        .await
        .expect("handlers answer every request");
    let (status, _, body) = parts(resp);
    (status, body)
}

#[tokio::test]
async fn a_new_user_gets_the_defaults_at_version_0() {
    let store = store().await;
    let (status, etag, body) = get(&store, &unique_user("new")).await;
    assert_eq!(status, 200);
    assert_eq!(etag, "\"0\"");
    assert_eq!(body["version"], 0);
    assert_eq!(body["message_frequency"], "optimal");
    assert_eq!(
        body["quiet_hours"],
        json!({"start": "22:00", "end": "07:00"})
    );
    assert_eq!(body["timezone"], "UTC");
    assert_eq!(body["coaching_enabled"], true);
    assert_eq!(body["personalization_consent"], false);
    assert_eq!(body["type_weights"].as_object().map(|m| m.len()), Some(20));
    assert!(body.get("preferred_tone").is_none());
}

#[tokio::test]
async fn the_fixture_put_is_stored_and_read_back() {
    let store = store().await;
    let sub = unique_user("fixture");
    let event = with_sub(fixture("api-put-personalization"), &sub);
    let resp = api_put_personalization::handle(&store, request(&event))
        .await
        .expect("answers");
    let (status, headers, body) = parts(resp);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        headers.get("etag").and_then(|v| v.to_str().ok()),
        Some("\"1\"")
    );
    assert_eq!(body["version"], 1);

    let (status, etag, got) = get(&store, &sub).await;
    assert_eq!(status, 200);
    assert_eq!(etag, "\"1\"");
    assert_eq!(got["timezone"], "America/Mexico_City");
    assert_eq!(got["language"], "es-MX");
    assert_eq!(got["preferred_tone"], "motivational");
    assert_eq!(got["message_frequency"], "frequent");
    assert_eq!(
        got["quiet_hours"],
        json!({"start": "22:30", "end": "06:45"})
    );
    assert_eq!(got["type_weights"]["risk_warning"], 0.6);
    assert_eq!(got["type_weights"]["reactivation"], 0.0);
    assert_eq!(got["type_weights"]["milestone_celebration"], 1.0);
    assert_eq!(
        got["custom_motivations"],
        json!(["Correr con mis hijos", "Dormir mejor"])
    );
    assert!(got["updated_at"].is_string());
}

#[tokio::test]
async fn a_write_must_name_the_version_it_read() {
    let store = store().await;
    let sub = unique_user("precondition");
    let (status, body) = put(&store, &sub, r#"{"timezone":"Europe/Paris"}"#, None).await;
    assert_eq!(status, 428, "{body}");
    assert_eq!(
        body["type"],
        "https://coach.tug.app/problems/precondition-required"
    );
    // The body's version is the equivalent of If-Match.
    let (status, body) = put(
        &store,
        &sub,
        r#"{"version":0,"timezone":"Europe/Paris"}"#,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put(&store, &sub, r#"{"version":0}"#, Some("\"1\"")).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = put(&store, &sub, "{}", Some("*")).await;
    assert_eq!(status, 400, "{body}");
    // A version no document can have is a bad request, not a server error.
    let (status, body) = put(&store, &sub, "{}", Some("\"18446744073709551615\"")).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = put(&store, &sub, r#"{"version":18446744073709551615}"#, None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("version"), "{body}");
    assert_eq!(get(&store, &sub).await.2["timezone"], "Europe/Paris");
}

#[tokio::test]
async fn two_devices_writing_from_the_same_version_do_not_overwrite_each_other() {
    let store = store().await;
    let sub = unique_user("devices");
    let (a, _) = put(
        &store,
        &sub,
        r#"{"preferred_tone":"gentle"}"#,
        Some("\"0\""),
    )
    .await;
    let (b, problem) = put(&store, &sub, r#"{"preferred_tone":"wise"}"#, Some("\"0\"")).await;
    assert_eq!(a, 200);
    assert_eq!(b, 412, "{problem}");
    assert_eq!(
        problem["type"],
        "https://coach.tug.app/problems/version-conflict"
    );
    assert_eq!(problem["current_version"], 1);
    assert_eq!(problem["status"], 412);
    let (_, etag, got) = get(&store, &sub).await;
    assert_eq!(
        (etag.as_str(), got["preferred_tone"].as_str()),
        ("\"1\"", Some("gentle"))
    );
}

#[tokio::test]
async fn a_retried_write_answers_like_the_first() {
    let store = store().await;
    let sub = unique_user("retry");
    let body = r#"{"message_frequency":"minimal"}"#;
    let (first, a) = put(&store, &sub, body, Some("\"0\"")).await;
    let (second, b) = put(&store, &sub, body, Some("\"0\"")).await;
    assert_eq!((first, second), (200, 200), "{a} {b}");
    assert_eq!(a["version"], 1);
    assert_eq!(b["version"], 1);
    assert_eq!(get(&store, &sub).await.1, "\"1\"");
}

/// Every bad body: its status, its problem type and the field it names; nothing is written.
#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_changes_nothing() {
    let store = store().await;
    let too_many: Vec<String> = (0..11).map(|i| format!("m{i}")).collect();
    let cases: Vec<(String, u16, &str, Option<&str>)> = vec![
        (
            r#"{"coaching_enabled":"yes"}"#.into(),
            422,
            "validation-failed",
            Some("coaching_enabled"),
        ),
        (
            r#"{"message_frequency":"hourly"}"#.into(),
            422,
            "validation-failed",
            Some("message_frequency"),
        ),
        (
            r#"{"preferred_tone":"sarcastic"}"#.into(),
            422,
            "validation-failed",
            Some("preferred_tone"),
        ),
        (
            r#"{"type_weights":{"risk_warning":1.5}}"#.into(),
            422,
            "validation-failed",
            Some("type_weights.risk_warning"),
        ),
        (
            r#"{"type_weights":{"risk_warning":-0.1}}"#.into(),
            422,
            "validation-failed",
            Some("type_weights.risk_warning"),
        ),
        (
            r#"{"type_weights":{"risk_warning":"high"}}"#.into(),
            422,
            "validation-failed",
            Some("type_weights.risk_warning"),
        ),
        (
            r#"{"type_weights":{"spam":0.5}}"#.into(),
            422,
            "validation-failed",
            Some("type_weights"),
        ),
        (
            r#"{"timezone":"Mars/Olympus_Mons"}"#.into(),
            422,
            "validation-failed",
            Some("timezone"),
        ),
        (
            r#"{"timezone":42}"#.into(),
            422,
            "validation-failed",
            Some("timezone"),
        ),
        (
            r#"{"quiet_hours":{"start":"25:00","end":"07:00"}}"#.into(),
            422,
            "validation-failed",
            Some("quiet_hours.start"),
        ),
        (
            r#"{"quiet_hours":{"start":"07:00","end":"07:00"}}"#.into(),
            422,
            "validation-failed",
            Some("quiet_hours"),
        ),
        (
            r#"{"quiet_hours":{"start":"22:00","end":"07:00","tz":"x"}}"#.into(),
            422,
            "validation-failed",
            Some("quiet_hours"),
        ),
        (
            r#"{"preferred_windows":[{"start":"09:00"}]}"#.into(),
            422,
            "validation-failed",
            Some("preferred_windows[0]"),
        ),
        (
            format!(r#"{{"custom_motivations":["{}"]}}"#, "x".repeat(141)),
            422,
            "validation-failed",
            Some("custom_motivations[0]"),
        ),
        (
            json!({"custom_motivations": too_many}).to_string(),
            422,
            "validation-failed",
            Some("custom_motivations"),
        ),
        (
            format!(r#"{{"language":"{}"}}"#, "e".repeat(40)),
            422,
            "validation-failed",
            Some("language"),
        ),
        (
            r#"{"colour":"red"}"#.into(),
            422,
            "validation-failed",
            Some("colour"),
        ),
        (r#"{"timezone":"UTC""#.into(), 400, "malformed-json", None),
        (
            r#"{"timezone":"UTC"} trailing"#.into(),
            400,
            "malformed-json",
            None,
        ),
        (r#"[1,2]"#.into(), 422, "validation-failed", Some("(body)")),
        (String::new(), 400, "malformed-json", None),
        (
            format!(r#"{{"language":"en","pad":"{}"}}"#, "x".repeat(20_000)),
            413,
            "body-too-large",
            None,
        ),
    ];
    for (body, status, kind, field) in cases {
        let sub = unique_user("bad");
        let (got, problem) = put(&store, &sub, &body, Some("\"0\"")).await;
        let shown: String = body.chars().take(80).collect();
        assert_eq!(got, status, "{shown}: {problem}");
        assert_eq!(
            problem["type"],
            format!("https://coach.tug.app/problems/{kind}"),
            "{shown}"
        );
        assert_eq!(problem["status"], status, "{shown}");
        if let Some(field) = field {
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["field"].as_str())
                .collect();
            assert!(
                fields.iter().any(|f| f.starts_with(field)),
                "{shown}: expected field {field}, got {fields:?}"
            );
        }
        assert_eq!(
            get(&store, &sub).await.1,
            "\"0\"",
            "{shown} wrote something"
        );
    }
}

#[tokio::test]
async fn a_non_json_content_type_is_refused() {
    let store = store().await;
    let sub = unique_user("ctype");
    let mut event = with_sub(fixture("api-put-personalization"), &sub);
    event["headers"]["content-type"] = json!("text/plain");
    let resp = api_put_personalization::handle(&store, request(&event))
        .await
        .expect("answers");
    let (status, headers, body) = parts(resp);
    assert_eq!(status, 415);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(
        body["type"],
        "https://coach.tug.app/problems/unsupported-media-type"
    );
}

#[tokio::test]
async fn without_jwt_claims_the_handlers_answer_401() {
    let store = store().await;
    for name in ["api-get-personalization", "api-put-personalization"] {
        let mut event = fixture(name);
        event["requestContext"]
            .as_object_mut()
            .expect("context")
            .remove("authorizer");
        let resp = match name {
            "api-get-personalization" => {
                api_get_personalization::handle(&store, request(&event)).await
            }
            _ => api_put_personalization::handle(&store, request(&event)).await,
        }
        .expect("answers");
        let (status, _, body) = parts(resp);
        assert_eq!(status, 401, "{name}");
        assert_eq!(body["type"], "https://coach.tug.app/problems/unauthorized");
    }
}

/// The fields of a 422's `errors`.
fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_bad_field_is_listed_in_one_answer_type_errors_included() {
    let store = store().await;
    let sub = unique_user("all-errors");
    let body = json!({
        "coaching_enabled": "yes",
        "preferred_tone": "sarcastic",
        "timezone": 42,
        "quiet_hours": {"start": "25:00", "end": "07:00"},
        "type_weights": {"risk_warning": 1.5},
        "custom_motivations": ["  "],
        "display_name": "x".repeat(41),
        "colour": "red",
    });
    let (status, problem) = put(&store, &sub, &body.to_string(), Some("\"0\"")).await;
    assert_eq!(status, 422, "{problem}");
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "coaching_enabled",
            "colour",
            "custom_motivations[0]",
            "display_name",
            "preferred_tone",
            "quiet_hours.start",
            "timezone",
            "type_weights.risk_warning",
        ],
        "{problem}"
    );
    assert_eq!(get(&store, &sub).await.1, "\"0\"", "nothing was written");
}

/// GET, change one field, PUT what GET answered: the round trip an app makes.
async fn round_trip(store: &ProfileStore, sub: &str, change: (&str, Value)) -> (u16, Value) {
    let (_, etag, mut doc) = get(store, sub).await;
    doc[change.0] = change.1;
    put(store, sub, &doc.to_string(), Some(&etag)).await
}

#[tokio::test]
async fn what_get_answers_can_be_sent_back_at_version_0_and_3() {
    let store = store().await;
    let sub = unique_user("round-trip");
    let (status, doc) = round_trip(&store, &sub, ("language", json!("pt"))).await;
    assert_eq!(status, 200, "at version 0: {doc}");
    assert_eq!(
        (doc["version"].clone(), doc["effective_language"].clone()),
        (json!(1), json!("pt-BR"))
    );
    for (i, tz) in ["Asia/Tokyo", "Europe/Paris"].iter().enumerate() {
        let (status, doc) = round_trip(&store, &sub, ("timezone", json!(tz))).await;
        assert_eq!(
            (status, doc["version"].clone()),
            (200, json!(i + 2)),
            "{doc}"
        );
    }
    let (status, doc) = round_trip(&store, &sub, ("language", json!("fr"))).await;
    assert_eq!(status, 200, "at version 3: {doc}");
    assert_eq!(
        doc["effective_language"], "en",
        "no French catalogue: {doc}"
    );
    assert_eq!(doc["version"], 4);

    // A changed read-only field is named, and nothing is written.
    let (_, etag, mut doc) = get(&store, &sub).await;
    doc["updated_at"] = json!("2020-01-01T00:00:00.000Z");
    doc["effective_language"] = json!("es");
    let (status, problem) = put(&store, &sub, &doc.to_string(), Some(&etag)).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(error_fields(&problem), ["effective_language", "updated_at"]);
    assert_eq!(get(&store, &sub).await.1, etag, "nothing was written");
}

#[tokio::test]
async fn the_name_comes_from_the_document_else_the_token() {
    let store = store().await;
    let sub = unique_user("name");
    let mut event = with_sub(fixture("api-put-personalization"), &sub);
    event["requestContext"]["authorizer"]["jwt"]["claims"]["given_name"] = json!("  Ana ");
    event["body"] = json!(r#"{"display_name":"  Annie  "}"#);
    event["headers"]["if-match"] = json!("\"0\"");
    let resp = api_put_personalization::handle(&store, request(&event))
        .await
        .expect("answers");
    let (status, _, doc) = parts(resp);
    assert_eq!(status, 200, "{doc}");
    assert_eq!(
        (doc["display_name"].clone(), doc["token_name"].clone()),
        (json!("Annie"), json!("Ana"))
    );
    let stored = store
        .preferences(&coaching::domain::user::UserId::parse(&sub).expect("id"))
        .await
        .expect("read");
    assert_eq!(stored.preferences.name(), Some("Annie"));
    // Without a display name, the token's.
    event["body"] = json!(r#"{"display_name":null}"#);
    event["headers"]["if-match"] = json!("\"1\"");
    let (status, _, doc) = parts(
        api_put_personalization::handle(&store, request(&event))
            .await
            .expect("answers"),
    );
    assert_eq!(status, 200, "{doc}");
    assert!(doc.get("display_name").is_none(), "{doc}");
    let stored = store
        .preferences(&coaching::domain::user::UserId::parse(&sub).expect("id"))
        .await
        .expect("read");
    assert_eq!(stored.preferences.name(), Some("Ana"));
}
